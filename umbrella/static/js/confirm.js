// Forms with data-confirm="Question?" ask before they submit (e.g. deleting a track or file).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
