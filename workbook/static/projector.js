// The browser half of workbook.widgets.ProjectorSwitch.
//
// One button: projector mode on (the kernel enlarges type, charts and the join code) and the
// browser in full screen; pressed again, both off. Full screen can only be asked for in the click
// itself, which is why this is a browser-side button and not a plain ipywidgets one.

function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-widgets jupyter-button widget-button wb-projector-button";
  button.type = "button";
  button.style.width = "auto"; // as wide as its words, in either language
  const draw = () => {
    const on = model.get("on");
    button.textContent = model.get(on ? "label_off" : "label_on");
    button.classList.toggle("mod-active", on);
  };
  button.addEventListener("click", () => {
    const on = !model.get("on");
    model.set("on", on);
    model.save_changes();
    try {
      if (on && !document.fullscreenElement && document.documentElement.requestFullscreen) {
        document.documentElement.requestFullscreen().catch(() => {}); // refused: projector mode still on
      } else if (!on && document.fullscreenElement) {
        document.exitFullscreen().catch(() => {});
      }
    } catch (error) {
      // no full screen in this browser (some phone browsers): the layout alone changes
    }
  });
  model.on("change:on", draw);
  model.on("change:label_on", draw);
  model.on("change:label_off", draw);
  draw();
  el.appendChild(button);
}

export default { render };
