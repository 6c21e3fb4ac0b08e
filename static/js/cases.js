// Case pages: pick an enterprise by name from a datalist (the hidden input keeps its id), and
// add question/answer rows to an interview record.
(function () {
  document.querySelectorAll('input[data-target][list]').forEach(function (input) {
    var hidden = document.getElementById(input.dataset.target);
    var options = document.getElementById(input.getAttribute('list'));
    var sync = function () {
      var match = Array.prototype.find.call(options.options, function (o) { return o.value === input.value; });
      hidden.value = match ? match.dataset.id : '';
    };
    if (hidden.value) {
      var current = options.querySelector('option[data-id="' + hidden.value + '"]');
      if (current) input.value = current.value;
    }
    input.addEventListener('change', sync);
    input.addEventListener('input', sync);
  });
  document.querySelectorAll('[data-add-qa]').forEach(function (button) {
    button.addEventListener('click', function () {
      var list = document.getElementById(button.dataset.addQa);
      var row = list.querySelector('.qa-row').cloneNode(true);
      row.querySelectorAll('textarea').forEach(function (t) { t.value = ''; });
      list.appendChild(row);
    });
  });
})();
