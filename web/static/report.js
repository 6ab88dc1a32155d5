// Sends the report form on the scan page as JSON, with an optional photo
// as base64, to POST /api/v1/complaints.
(function () {
  var form = document.getElementById("report-form");
  if (!form) return;
  var status = document.getElementById("report-status");
  function readPhoto(file) {
    return new Promise(function (resolve, reject) {
      if (!file) return resolve(null);
      var r = new FileReader();
      r.onload = function () { resolve({contentType: file.type, data: String(r.result).split(",")[1]}); };
      r.onerror = reject;
      r.readAsDataURL(file);
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var photo = form.photo.files[0];
    readPhoto(photo).then(function (evidence) {
      var params = new URLSearchParams(location.search);
      var body = {
        serial: form.dataset.serial, lot: form.dataset.lot, kind: form.kind.value,
        description: form.description.value, region: params.get("region") || ""
      };
      if (evidence) body.evidence = [evidence];
      return fetch("/api/v1/complaints", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) throw new Error(data.error ? data.error.message : resp.status);
        status.textContent = form.dataset.sent + data.id;
        form.querySelector("button").disabled = true;
      });
    }).catch(function (err) { status.textContent = form.dataset.failed + err.message; });
  });
})();
