// Data entry page: immediate feedback on Vietnamese numbers (516.033; 16,2) and the change from last period.
(function () {
  "use strict";
  var VN = /^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$/;

  function parseVn(text) {
    var s = text.replace(/[\s\u00a0]/g, "");
    if (s.slice(-1) === "%") { s = s.slice(0, -1); }
    if (!s) { return { empty: true }; }
    if (!VN.test(s)) { return { error: "“" + text + "” không phải là số viết kiểu Việt Nam (ví dụ 516.033 hoặc 16,2)" }; }
    return { value: parseFloat(s.replace(/\./g, "").replace(",", ".")) };
  }

  function formatVn(n, decimals) {
    var fixed = decimals === null ? String(Math.round(n * 1e6) / 1e6) : n.toFixed(decimals);
    var neg = fixed.charAt(0) === "-";
    if (neg) { fixed = fixed.slice(1); }
    var parts = fixed.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (neg ? "-" : "") + whole + (parts[1] ? "," + parts[1] : "");
  }

  function check(input) {
    var row = input.closest("tr");
    var feedback = row ? row.querySelector(".feedback") : null;
    var r = parseVn(input.value);
    input.classList.toggle("invalid", !!r.error);
    input.setAttribute("aria-invalid", r.error ? "true" : "false");
    if (!feedback) { return; }
    if (r.error) { feedback.textContent = r.error; feedback.className = "feedback bad"; return; }
    feedback.className = "feedback";
    feedback.textContent = "";
    if (!input.classList.contains("part") && !r.empty) {
      var prevText = input.getAttribute("data-previous");
      var cell = row.querySelector("[data-change]");
      if (prevText && cell) {
        var prev = parseFloat(prevText);
        var diff = r.value - prev;
        var sign = diff > 0 ? "+" : "";
        var text = sign + formatVn(diff, null);
        if (prev !== 0) { text += " (" + sign + formatVn(diff * 100 / Math.abs(prev), 1) + "%)"; }
        cell.textContent = text;
      }
    }
  }

  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var inputs = form.querySelectorAll("input.num");
  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("input", function () { check(input); });
    input.addEventListener("blur", function () { check(input); });
  });
  form.addEventListener("submit", function (event) {
    var bad = form.querySelector("input.num.invalid");
    if (bad) {
      // The server checks again; stopping here only saves a round trip and keeps the cursor on the bad cell.
      event.preventDefault();
      bad.focus();
    }
  });
})();
