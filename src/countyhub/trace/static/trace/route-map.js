// The route map over tiles from the county's configured tile server (COUNTYHUB_MAP_TILES):
// replaces the plain drawn map, keeping its numbered, named places. Loaded only when a tile
// server is configured; a file, not an inline script, so a strict CSP can allow it.
(function () {
  "use strict";
  var box = document.getElementById("route-map");
  var data = document.getElementById("route-points");
  if (!box || !data || !box.dataset.tiles) { return; }
  var points = JSON.parse(data.textContent); // [number, latitude, longitude, name]
  var width = box.clientWidth || 320, height = Math.round(width * 2 / 3);
  function world(lat, lon, zoom) { // Web Mercator pixel coordinates at `zoom`
    var size = 256 * Math.pow(2, zoom), sin = Math.sin(lat * Math.PI / 180);
    return [(lon + 180) / 360 * size,
            (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size];
  }
  var zoom = 16, a, b;
  for (; zoom > 3; zoom--) { // the closest zoom that shows every place with a margin
    var xs = points.map(function (p) { return world(p[1], p[2], zoom)[0]; });
    var ys = points.map(function (p) { return world(p[1], p[2], zoom)[1]; });
    a = [Math.min.apply(null, xs), Math.min.apply(null, ys)];
    b = [Math.max.apply(null, xs), Math.max.apply(null, ys)];
    if (b[0] - a[0] < width - 60 && b[1] - a[1] < height - 60) { break; }
  }
  var left = (a[0] + b[0]) / 2 - width / 2, top = (a[1] + b[1]) / 2 - height / 2;
  var tiles = document.createElement("div");
  tiles.className = "tiles";
  for (var tx = Math.floor(left / 256); tx * 256 < left + width; tx++) {
    for (var ty = Math.floor(top / 256); ty * 256 < top + height; ty++) {
      var img = document.createElement("img");
      img.alt = "";
      img.src = box.dataset.tiles.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
      img.style.left = (tx * 256 - left) + "px";
      img.style.top = (ty * 256 - top) + "px";
      tiles.appendChild(img);
    }
  }
  points.forEach(function (p) {
    var xy = world(p[1], p[2], zoom), marker = document.createElement("div"),
        name = document.createElement("span");
    marker.className = "marker";
    marker.textContent = p[0];
    name.textContent = p[3];
    marker.appendChild(name);
    marker.style.left = (xy[0] - left) + "px";
    marker.style.top = (xy[1] - top) + "px";
    tiles.appendChild(marker);
  });
  box.replaceChildren(tiles);
})();
