// Forms with data-question ask before they submit (an inline onsubmit would be refused by the
// pages' Content-Security-Policy, script-src 'self').
document.addEventListener("submit", function (event) {
  var question = event.target.dataset && event.target.dataset.question;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
