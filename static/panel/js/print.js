// Printable documents: a button with data-print opens the browser's print dialog (CSP: no inline JS).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
