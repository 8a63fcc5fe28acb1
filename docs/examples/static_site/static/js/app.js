// Marks the page as scripted, so the stylesheet can tell.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll("a[data-confirm]")) {
    link.addEventListener("click", (event) => {
      if (!window.confirm(link.dataset.confirm)) event.preventDefault();
    });
  }
});
