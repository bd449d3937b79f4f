/* The product page's gallery: a row of pictures that the finger swipes (CSS scroll snap does the
   work without this file). Here a thumbnail scrolls the row to its picture without moving the
   page, and the thumbnail of the picture in view is marked. */
(function () {
  "use strict";
  document.querySelectorAll(".gallery").forEach(function (gallery) {
    var track = gallery.querySelector(".gallery-track");
    var links = gallery.querySelectorAll(".gallery-thumbs a");
    if (!track || !links.length) return;
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        track.scrollTo({ left: target.offsetLeft - track.offsetLeft, behavior: "smooth" });
      });
    });
    var mark = function () {
      var index = Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
      links.forEach(function (link, i) {
        if (i === index) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
    };
    track.addEventListener("scroll", function () { window.requestAnimationFrame(mark); }, { passive: true });
  });
})();
