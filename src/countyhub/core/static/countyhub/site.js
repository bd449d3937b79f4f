/* countyhub's only page script (the Content-Security-Policy allows no inline script).

   Storefront pages may come from a shared cache, so they carry no CSRF token: every POST (htmx or
   a plain form) takes it from the csrftoken cookie instead. A <select data-autosubmit> submits its
   form when changed (the KPI dashboard's year). Tables of the page's content turn into one card
   per row on a phone (site.css, table.stacked): each cell is labelled with its column's heading.
   Tables in a .table-scroll box scroll sideways instead. A job's page (core/job.html) polls the
   job's progress and, once it has ended, reloads (or goes to its result, an import's page, when
   it made no file to download); polled, so it survives a reload of its own. */
(function () {
  "use strict";
  function token() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? match[1] : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = token();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || form.querySelector("[name=csrfmiddlewaretoken]")) {
      return;
    }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrfmiddlewaretoken";
    input.value = token();
    form.appendChild(input);
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
  // A <button data-print> prints the page (a slip, a day's sheet).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("button[data-print]")) { window.print(); }
  });
  function stack(table) {
    var headings = [];
    table.querySelectorAll("thead tr:last-child th").forEach(function (th) {
      var text = th.textContent.trim();
      text = text.charAt(0).toUpperCase() + text.slice(1);  // a label, as the heading shows
      for (var i = 0; i < (th.colSpan || 1); i++) { headings.push(text); }
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (headings[column] && row.cells.length > 1) { cell.setAttribute("data-label", headings[column]); }
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("stacked");
  }
  function stackTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      if (!table.closest(".table-scroll") && !table.classList.contains("stacked")) { stack(table); }
    });
  }
  function pollJob(section) {
    var url = section.getAttribute("data-url");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          var bar = section.querySelector("progress");
          bar.max = Math.max(job.total, 1); bar.value = job.done;
          section.querySelector(".job-done").textContent = job.done;
          section.querySelector(".job-total").textContent = job.total;
          section.querySelector(".job-message").textContent = job.message;
          document.getElementById("job-status").textContent = job.status_label;
          if (!job.finished) { window.setTimeout(tick, 700); }
          else if (job.next_url && !job.has_file) { window.location.assign(job.next_url); }
          else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }
  document.addEventListener("DOMContentLoaded", function () {
    stackTables(document);
    var job = document.getElementById("job-progress");
    if (job && !job.hidden) { pollJob(job); }
  });
  document.addEventListener("htmx:afterSwap", function () { stackTables(document); });
})();
