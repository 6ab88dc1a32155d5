// The location button on the scan page: only when the shopper presses it,
// asks the browser for the phone's position and reloads the page with it,
// rounded to about a kilometre, so the verdict can place the scan.
(function () {
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) {
    if (button) button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var params = new URLSearchParams(location.search);
      params.set("lat", pos.coords.latitude.toFixed(2));
      params.set("lon", pos.coords.longitude.toFixed(2));
      location.replace(location.pathname + "?" + params.toString());
    }, function (err) {
      button.disabled = false;
      button.textContent = button.dataset.failed + err.message;
    }, {maximumAge: 600000, timeout: 15000});
  });
})();
