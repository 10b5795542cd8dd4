#!/usr/bin/python3
"""oapif.py -- opens powermap's OGC API - Features layers in PyQGIS (the
QGIS 3.22 of Debian, headless) and prints what QGIS saw, as JSON.

Run by tests/integration/test_ogc.py under /usr/bin/python3 with
QT_QPA_PLATFORM=offscreen (QGIS's Python bindings belong to the system
Python).  Reads a JSON spec on stdin:
  {"url": "http://HOST:PORT/ogc", "auth_dir": DIR, "token": TOKEN,
   "layers": [{"typename": ID, "page_size": N, "bbox": [w, s, e, n] | null,
               "basic": true|false, "crs": "EPSG:6668" | null, "distinct": FIELD | null}]}
and prints one result per layer: {"valid", "count" (features read, paging
through every page), "feature_count" (what the provider reports), "crs"
(the layer's), "fields" {name: type name}, "xy" {external_id: [x, y]} (in
crs when given, transformed by QGIS), "distinct" (the values of FIELD)}.  "basic": the layer carries an
authcfg of method Basic whose password is the token (QgsAuthMethodConfig).
"""
import json
import os
import sys


def main():
    spec = json.load(sys.stdin)
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = spec["auth_dir"]
    from qgis.core import (QgsApplication, QgsAuthMethodConfig, QgsCoordinateReferenceSystem,
                           QgsCoordinateTransform, QgsFeatureRequest, QgsProject, QgsRectangle,
                           QgsVectorLayer)
    app = QgsApplication([], False)
    app.initQgis()
    auth = QgsApplication.authManager()
    authcfg = ""
    if any(l.get("basic") for l in spec["layers"]):
        auth.setMasterPassword("powermap-test", True)
        cfg = QgsAuthMethodConfig("Basic")
        cfg.setName("powermap")
        cfg.setConfig("username", "qgis")
        cfg.setConfig("password", spec["token"])
        ok = auth.storeAuthenticationConfig(cfg)
        authcfg = cfg.id() if (ok[0] if isinstance(ok, tuple) else ok) else ""
    out = []
    for l in spec["layers"]:
        uri = (f"pageSize='{l['page_size']}' pagingEnabled='true' typename='{l['typename']}' "
               f"url='{spec['url']}'")
        if l.get("basic"):
            uri += f" authcfg='{authcfg}'"
        layer = QgsVectorLayer(uri, l["typename"], "OAPIF")
        # (layer.error() of an invalid OAPIF layer crashes PyQGIS 3.22: not read)
        res = {"valid": layer.isValid(), "count": 0, "feature_count": None, "crs": None,
               "fields": {}, "xy": {}}
        if layer.isValid():
            res["crs"] = layer.crs().authid()
            res["feature_count"] = layer.featureCount()
            res["fields"] = {f.name(): f.typeName() for f in layer.fields()}
            req = QgsFeatureRequest()
            if l.get("bbox"):
                req.setFilterRect(QgsRectangle(*l["bbox"]))
            xform = None
            if l.get("crs"):
                xform = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem(l["crs"]),
                                               QgsProject.instance())
            distinct = set()
            for f in layer.getFeatures(req):
                res["count"] += 1
                if l.get("distinct"):
                    distinct.add(f[l["distinct"]])
                g = f.geometry()
                key = l.get("key", "external_id")
                if g and not g.isNull() and key in res["fields"] and len(res["xy"]) < 50:
                    p = g.centroid().asPoint()
                    if xform:
                        p = xform.transform(p)
                    res["xy"][str(f[key])] = [p.x(), p.y()]
            res["distinct"] = sorted(distinct)
        out.append(res)
    print(json.dumps(out))
    sys.stdout.flush()
    # exitQgis() after network and auth use can crash PyQGIS 3.22 on the way
    # out; everything is said, so leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
