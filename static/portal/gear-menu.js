// The gear menus of the operator portal (issue 18): one open at a time; Escape, a click outside
// or focus leaving the menu closes it and focus goes back to its ⚙; arrow keys, Home and End move
// through the items (Tab works too). An open menu is placed with `position: fixed` next to its ⚙
// so the change list's scrolling box never clips it and it never runs past the viewport.
(() => {
  "use strict";
  const MENU = "details.gear-menu";
  const MARGIN = 8;
  document.documentElement.classList.add("gear-js");

  const itemsOf = (menu) => Array.from(menu.querySelectorAll(".gear-items .gear-item"));

  const close = (menu, refocus) => {
    if (!menu.open) return;
    menu.open = false;
    if (refocus) menu.querySelector("summary").focus();
  };

  const closeOthers = (keep) => {
    for (const menu of document.querySelectorAll(`${MENU}[open]`)) {
      if (menu !== keep) close(menu, false);
    }
  };

  const place = (menu) => {
    const list = menu.querySelector(".gear-items");
    const anchor = menu.querySelector("summary").getBoundingClientRect();
    const width = Math.min(list.offsetWidth, window.innerWidth - 2 * MARGIN);
    const height = list.offsetHeight;
    let left = anchor.right - width; // right-aligned under the ⚙, like a table's last column
    left = Math.max(MARGIN, Math.min(left, window.innerWidth - width - MARGIN));
    let top = anchor.bottom + 4;
    if (top + height > window.innerHeight - MARGIN && anchor.top - height - 4 >= MARGIN) {
      top = anchor.top - height - 4; // no room below: open upwards
    }
    list.style.left = `${left}px`;
    list.style.top = `${top}px`;
  };

  const move = (menu, step) => {
    const items = itemsOf(menu);
    if (!items.length) return;
    const at = items.indexOf(document.activeElement);
    let next;
    if (step === "first") next = 0;
    else if (step === "last") next = items.length - 1;
    else next = at < 0 ? (step > 0 ? 0 : items.length - 1) : (at + step + items.length) % items.length;
    items[next].focus();
  };

  document.addEventListener(
    "toggle",
    (event) => {
      const menu = event.target;
      if (!(menu instanceof HTMLDetailsElement) || !menu.matches(MENU)) return;
      if (menu.open) {
        closeOthers(menu);
        place(menu);
      }
    },
    true, // toggle does not bubble
  );

  document.addEventListener("keydown", (event) => {
    const menu = event.target.closest && event.target.closest(`${MENU}[open]`);
    if (event.key === "Escape") {
      const open = menu || document.querySelector(`${MENU}[open]`);
      if (open) {
        event.preventDefault();
        close(open, true);
      }
      return;
    }
    if (!menu) {
      // ArrowDown on a closed menu's ⚙ opens it at its first item.
      const summary = event.target.closest && event.target.closest(`${MENU} > summary`);
      if (summary && event.key === "ArrowDown") {
        event.preventDefault();
        summary.parentElement.open = true;
        requestAnimationFrame(() => move(summary.parentElement, "first"));
      }
      return;
    }
    const keys = { ArrowDown: 1, ArrowUp: -1, Home: "first", End: "last" };
    if (event.key in keys) {
      event.preventDefault();
      move(menu, keys[event.key]);
    }
  });

  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll(`${MENU}[open]`)) {
      if (!menu.contains(event.target)) close(menu, false);
    }
  });

  document.addEventListener("focusout", (event) => {
    const menu = event.target.closest && event.target.closest(`${MENU}[open]`);
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) close(menu, false);
  });

  // A fixed menu stays by its ⚙ while the page or the list scrolls, and fits a resized window.
  const replace = () => {
    for (const menu of document.querySelectorAll(`${MENU}[open]`)) place(menu);
  };
  window.addEventListener("scroll", replace, true);
  window.addEventListener("resize", replace);
})();
