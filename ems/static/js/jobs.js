// A job's page: asks for the job's progress every second and updates the bar and the words
// without a reload; reloads once the job has ended, so that the server shows its result.
// Without JavaScript the page's Refresh link does the same.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-job-status-url");
  var bar = box.querySelector("[data-job-progress]");
  var state = box.querySelector("[data-job-state]");

  function show(job) {
    if (job.status === "done" || job.status === "failed") {
      window.location.replace(job.url);
      return false;
    }
    if (state) { state.textContent = job.state; }
    if (bar && job.progress_total > 0) {
      bar.max = job.progress_total;
      bar.value = job.progress_done;
      bar.textContent = job.percent + " %";
    } else if (bar) {  // not known (again: a job run once more starts over)
      bar.removeAttribute("value");
      bar.textContent = "";
    }
    return true;
  }

  // the sign-in has ended (the answer is the login page) or the job is no longer the user's:
  // the page reloads, and the server says so
  function signedOut(response) {
    return response.redirected || [401, 403, 404].indexOf(response.status) !== -1;
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (signedOut(response)) {
          window.location.reload();
          return false;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (job) {
        if (job === false) { return; }
        if (!job || show(job)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 1000); });
  }

  window.setTimeout(poll, 1000);
}());
