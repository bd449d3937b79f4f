// Enumerators' phone page: an answer becomes an XForm instance (the XML an ODK client sends,
// identified by a fresh instanceID), waits in localStorage until the server answers 201, and is
// sent again (byte for byte the same, so the server's duplicate rule makes it one answer) when
// "send now" is pressed, when the page loads and when the browser comes back online.
// A static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var box = document.getElementById("queue-box");
  if (!box) { return; }
  var KEY = "countyhub.surveys.queue." + box.dataset.county;
  var sending = false;
  // A trigger (online, "send now", a new answer) while a round runs: one more round after it,
  // however many triggers came, so that an answer saved or a network back meanwhile is not left
  // waiting for the next trigger.
  var again = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function store(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }

  function escapeXml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  function newInstanceId() {
    return "uuid:" + window.crypto.randomUUID();
  }

  // {path: value} in the page's order -> nested elements, groups opened once, then meta.
  function buildXml(form, instanceId) {
    var root = { children: {}, order: [] };
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.name.charAt(0) !== "/" || seen[input.name]) { return; }
      seen[input.name] = true;
      // A radio group is one answer (empty when none is picked, as ODK clients write it).
      var picked = input.type === "radio" ?
        form.querySelector("input[name='" + input.name + "']:checked") : input;
      var value = picked ? picked.value.trim() : "";
      var parts = input.name.split("/").slice(2);
      var node = root;
      parts.forEach(function (part) {
        if (!node.children[part]) {
          node.children[part] = { children: {}, order: [], value: "" };
          node.order.push(part);
        }
        node = node.children[part];
      });
      node.value = value;
    });
    function write(name, node) {
      if (!node.order.length) { return "<" + name + ">" + escapeXml(node.value) + "</" + name + ">"; }
      return "<" + name + ">" + node.order.map(function (k) { return write(k, node.children[k]); }).join("") + "</" + name + ">";
    }
    var body = root.order.map(function (k) { return write(k, root.children[k]); }).join("");
    var rootName = form.dataset.root || "data";
    return '<?xml version="1.0" encoding="UTF-8"?><' + rootName + ' id="' + escapeXml(form.dataset.formId) +
      '" version="' + escapeXml(form.dataset.version) + '">' + body +
      "<meta><instanceID>" + escapeXml(instanceId) + "</instanceID></meta></" + rootName + ">";
  }

  function csrfToken() {
    var input = box.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function status(text) { document.getElementById("queue-status").textContent = text; }

  function render() {
    var queue = load();
    var list = document.getElementById("queue");
    var template = document.getElementById("queue-item");
    list.replaceChildren();
    queue.forEach(function (item) {
      var li = template.content.firstElementChild.cloneNode(true);
      li.dataset.instanceId = item.instanceId;
      li.querySelector(".queue-label").textContent = item.title + " · " + item.savedAt;
      li.querySelector(".queue-error").textContent = item.error || "";
      list.appendChild(li);
    });
    document.getElementById("queue-count").textContent = String(queue.length);
  }

  function forget(instanceId) {
    store(load().filter(function (item) { return item.instanceId !== instanceId; }));
  }

  function remember(instanceId, fields) {
    store(load().map(function (item) {
      if (item.instanceId === instanceId) { Object.assign(item, fields); }
      return item;
    }));
  }

  // One at a time, oldest first; an answer leaves the queue only on the server's 201.
  function flush() {
    if (sending) { again = true; return Promise.resolve(); }
    var queue = load();
    if (!queue.length) {
      render();
      box.dataset.rounds = String(Number(box.dataset.rounds || "0") + 1);
      return Promise.resolve();
    }
    sending = true;
    var offline = false;
    var chain = Promise.resolve();
    queue.forEach(function (item) {
      chain = chain.then(function () {
        if (offline) { return; }
        return fetch(box.dataset.submitUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "text/xml; charset=utf-8", "X-CSRFToken": csrfToken() },
          body: item.xml
        }).then(function (response) {
          if (response.status === 201) { forget(item.instanceId); return; }
          return response.json().then(function (data) {
            remember(item.instanceId, { error: data.error || String(response.status) });
          }, function () {
            remember(item.instanceId, { error: String(response.status) });
          });
        }, function () { offline = true; });
      });
    });
    return chain.then(function () {
      sending = false;
      render();
      // How many rounds ended: what a test (or a curious person) can wait for.
      box.dataset.rounds = String(Number(box.dataset.rounds || "0") + 1);
      var left = load().length;
      status(document.getElementById(left ? "msg-offline" : "msg-sent").textContent);
      if (again) {
        again = false;
        return flush();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.collect-form"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var instanceId = newInstanceId();
      var queue = load();
      queue.push({
        instanceId: instanceId,
        title: form.dataset.title,
        savedAt: new Date().toLocaleString(),
        xml: buildXml(form, instanceId)
      });
      store(queue);
      form.reset();
      render();
      status(document.getElementById("msg-saved").textContent);
      flush();
    });
  });

  // The page itself offline: a service worker keeps it (where the browser allows one).
  if ("serviceWorker" in navigator && box.dataset.workerUrl) {
    navigator.serviceWorker.register(box.dataset.workerUrl).catch(function () {});
  }
  document.getElementById("send-now").addEventListener("click", flush);
  window.addEventListener("online", flush);
  render();
  flush();
})();
