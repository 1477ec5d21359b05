// The audit page: while the run-audit form is being answered (an audit may take seconds), say so and keep the
// button from sending it twice. Without this script the page works the same; the answer just arrives.
document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-running-form')) {
    return;
  }
  var status = form.querySelector('.running');
  if (status) {
    status.hidden = false;
  }
  var button = form.querySelector('button[type="submit"]');
  if (button) {
    window.setTimeout(function () { button.disabled = true; }, 0);
  }
});
