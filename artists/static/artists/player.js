// Counts a play once per page view of a track, when its audio starts.
(function () {
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function wire(root) {
    root.querySelectorAll("audio[data-play-url]").forEach(function (audio) {
      if (audio.dataset.wired) return;
      audio.dataset.wired = "1";
      audio.addEventListener("play", function () {
        if (audio.dataset.counted) return;
        audio.dataset.counted = "1";
        fetch(audio.dataset.playUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "omit" });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
})();
