// The error summary at the top of a form (includes/form.html): it takes the focus when the page
// opens, so keyboard and screen-reader users start at the list of problems, and each of its
// links puts the focus in the field it names (a bare #fragment would only scroll there).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  summary.setAttribute("tabindex", "-1");
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });
});
