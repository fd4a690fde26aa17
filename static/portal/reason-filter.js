// Status forms: offer only the reasons that fit the chosen status type (R-E3). The server checks
// it again; without JavaScript every reason is listed and a wrong one is refused with a message.
document.addEventListener("DOMContentLoaded", () => {
  const type = document.querySelector("select[name=status_type]");
  const reason = document.querySelector("select[name=reason]");
  if (!type || !reason) return;
  const filter = () => {
    const chosen = type.options[type.selectedIndex];
    const backend = chosen ? chosen.dataset.backend || "" : "";
    for (const option of reason.options) {
      if (!option.value) continue;
      const fits = !backend || (option.dataset.fits || "").split(" ").includes(backend);
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) reason.value = "";
    }
  };
  type.addEventListener("change", filter);
  filter();
});
