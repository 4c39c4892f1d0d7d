// Briefing pack page: while a job is queued or running, poll its status and reload when it ends.
(function () {
  "use strict";
  var rows = document.querySelectorAll("tr[data-pending][data-status-url]");
  if (!rows.length) { return; }
  function poll() {
    var pending = 0;
    var checks = Array.prototype.map.call(rows, function (row) {
      return fetch(row.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) {
          if (!job) { return false; }
          var cell = row.querySelector(".job-status");
          if (cell) { cell.textContent = job.status_label; }
          row.setAttribute("data-status", job.status);
          return job.status === "done" || job.status === "failed";
        });
    });
    Promise.all(checks).then(function (ended) {
      if (ended.some(Boolean)) { window.location.reload(); return; }
      pending = ended.length;
      if (pending) { window.setTimeout(poll, 2000); }
    });
  }
  window.setTimeout(poll, 1500);
})();
