// Live Explain for the enterprise's query builder: as the fields change, asks /enterprise/explain (a dry run that
// sends nothing to the chain) and shows the node's answer, rendered on the server by the same component the form post
// renders. Without this script the "Explain" button posts the form and gets the same answer.
(function () {
  var form = document.getElementById("query-form");
  var target = document.getElementById("explain-live");
  if (!form || !target || !window.fetch) { return; }
  var url = form.getAttribute("data-explain-url");
  var timer = null;
  var sequence = 0;
  function explain() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name.charAt(0) !== "_" && name.indexOf("__") !== 0) { params.append(name, value); }
    });
    var mine = ++sequence;
    fetch(url + "&" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (mine !== sequence) { return; }
        if (answer.html) {
          target.innerHTML = answer.html;
          mirror(params, answer.allowed === true);
        } else {
          mirror(params, false);
          var p = document.createElement("p");
          p.className = "refusal";
          p.setAttribute("data-testid", "explain-live-refusal");
          p.textContent = answer.error || "";
          target.replaceChildren(p);
        }
      })
      .catch(function () { /* the form post still works */ });
  }
  // The submit form carries the query just explained (as it does after a posted Explain), and is enabled only when allowed.
  function mirror(params, allowed) {
    var submit = document.getElementById("submit-form");
    if (!submit) { return; }
    submit.querySelectorAll("input[data-mirror]").forEach(function (input) { input.remove(); });
    submit.querySelectorAll("input[type=hidden]").forEach(function (input) {
      if (input.name.charAt(0) !== "_" && input.name.indexOf("__") !== 0) { input.remove(); }
    });
    if (allowed) {
      params.forEach(function (value, name) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = value; input.setAttribute("data-mirror", "1");
        submit.appendChild(input);
      });
    }
    var button = submit.querySelector("button[type=submit]");
    if (button && !button.hasAttribute("data-role-disabled")) { button.disabled = !allowed; }
  }
  function later() { clearTimeout(timer); timer = setTimeout(explain, 400); }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
})();
