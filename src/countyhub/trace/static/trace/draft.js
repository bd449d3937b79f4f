// Forms survive a failed submit: entries are kept in the phone's storage until the server
// confirms the step was saved (the next page names the draft in ?saved=).
(function () {
  var saved = new URLSearchParams(location.search).get("saved");
  if (saved) { localStorage.removeItem("countyhub-draft:" + saved); }
  var form = document.querySelector("form[data-draft]");
  if (!form) { return; }
  var key = "countyhub-draft:" + form.dataset.draft;
  var kept = localStorage.getItem(key);
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file" &&
        el.type !== "checkbox" && el.type !== "hidden";
    });
  }
  if (kept && form.dataset.bound !== "1") {
    var values = JSON.parse(kept);
    fields().forEach(function (el) { if (el.name in values) { el.value = values[el.name]; } });
    document.getElementById("draft-note").hidden = false;
  }
  function keep() {
    var values = {};
    fields().forEach(function (el) { values[el.name] = el.value; });
    localStorage.setItem(key, JSON.stringify(values));
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.addEventListener("submit", function (event) {
    keep();
    if (navigator.onLine === false) {
      event.preventDefault();
      document.getElementById("offline").hidden = false;
    }
  });
})();
