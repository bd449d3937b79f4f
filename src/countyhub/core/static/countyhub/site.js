/* countyhub's only page script (the Content-Security-Policy allows no inline script).

   Storefront pages may come from a shared cache, so they carry no CSRF token: every POST (htmx or
   a plain form) takes it from the csrftoken cookie instead. A <select data-autosubmit> submits its
   form when changed (the KPI dashboard's year). */
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
})();
