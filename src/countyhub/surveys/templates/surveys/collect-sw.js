{% load static %}// The enumerators' page offline: this service worker keeps the page and its files, so that it
// opens again (and its queue of unsent answers with it) after a reload without a network.
// Network first: online, the page is always the server's latest; posts are never touched.
"use strict";
var CACHE = "countyhub-collect-{{ county.slug }}";
var PAGE = "{% url 'surveys:collect' county.slug %}";
var FILES = [
  PAGE,
  "{% static 'countyhub/site.css' %}",
  "{% static 'countyhub/site.js' %}",
  "{% static 'django_htmx/htmx-2.min.js' %}",
  "{% static 'surveys/collect.js' %}"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || FILES.indexOf(url.pathname) < 0) { return; }
  event.respondWith(fetch(event.request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }, function () {
    return caches.match(url.pathname).then(function (kept) { return kept || Response.error(); });
  }));
});
