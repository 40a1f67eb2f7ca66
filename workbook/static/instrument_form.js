// The browser half of workbook.form.InstrumentForm: a whole questionnaire as one component.
//
// The kernel sends the questionnaire once as data (`spec`, already in the page's language) and
// keeps the texts that depend on the answers (`status`: progress, prompt, which items are still
// missing). This side draws it with plain HTML and CSS that fit a phone, and sends the answers
// back as one value (`answers`); "submit" is a message to the kernel, which decides.
//
// Everything put into the page from `spec` is text (textContent), never HTML; the only HTML
// the kernel sends is the prompt and error notes it built itself, with every user text escaped.

const TEXT_DELAY_MS = 400; // typing in a text box is sent when the person pauses

const CSS = `
.wbf { font-size: 16px; line-height: 1.45; color: #222; max-width: 980px; box-sizing: border-box;
  width: 100%; overflow-wrap: anywhere; }
.wbf *, .wbf *::before, .wbf *::after { box-sizing: border-box; }
.wbf h3 { margin: 4px 0; font-size: 1.25em; }
.wbf .wbf-about { color: #555; margin: 2px 0 8px 0; }
.wbf .wbf-top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 6px 0; }
.wbf .wbf-bar { flex: 0 0 9em; height: 10px; background: #e5e8ec; border-radius: 5px; overflow: hidden; }
.wbf .wbf-bar > div { height: 100%; background: #2e86c1; width: 0; transition: width .2s; }
.wbf select, .wbf textarea { font: inherit; min-height: 44px; padding: 6px 8px; border: 1px solid #aab;
  border-radius: 6px; background: white; max-width: 100%; }
.wbf textarea { width: 100%; min-height: 5em; }
.wbf .wbf-section > h4 { margin: 18px 0 4px 0; border-bottom: 1px solid #ddd; font-size: 1.08em; }
.wbf .wbf-section > h4 span { font-weight: normal; color: #777; }
.wbf .wbf-item { margin: 6px 0 12px 0; padding: 8px 10px; border-left: 4px solid transparent;
  border-radius: 4px; scroll-margin-top: 80px; }
.wbf .wbf-item.wbf-missing { border-left-color: #c0392b; background: #fff6f6; }
.wbf .wbf-item-text { margin-bottom: 6px; }
.wbf .wbf-required { color: #c0392b; font-weight: bold; }
.wbf .wbf-missing-note { display: none; color: #c0392b; font-size: .9em; margin-top: 4px; }
.wbf .wbf-item.wbf-missing .wbf-missing-note { display: block; }
.wbf .wbf-part { margin: 4px 0 8px 0; }
.wbf .wbf-part-name { font-weight: bold; color: #444; margin-bottom: 2px; }
.wbf .wbf-ends { display: flex; justify-content: space-between; gap: 12px; font-size: .85em;
  color: #555; margin-bottom: 2px; max-width: calc(var(--n) * 64px); }
.wbf .wbf-ends span:last-child { text-align: right; }
.wbf .wbf-scale { display: grid; grid-template-columns: repeat(var(--n), minmax(0, 1fr)); gap: 6px;
  max-width: calc(var(--n) * 64px); }
.wbf .wbf-scale.wbf-long { grid-template-columns: repeat(var(--n), minmax(0, 1fr)); }
@media (max-width: 600px) {
  .wbf .wbf-scale.wbf-long { grid-template-columns: repeat(var(--half), minmax(0, 1fr)); }
}
.wbf .wbf-choices { display: flex; flex-direction: column; gap: 6px; max-width: 36em; }
.wbf button.wbf-option { font: inherit; min-height: 44px; min-width: 0; padding: 6px 8px;
  border: 1px solid #8fa3b8; border-radius: 8px; background: white; color: #1f3b57; cursor: pointer;
  touch-action: manipulation; }
.wbf .wbf-choices button.wbf-option { text-align: left; padding: 8px 12px; }
.wbf button.wbf-option[aria-checked="true"] { background: #2e86c1; border-color: #2e86c1; color: white;
  font-weight: bold; }
.wbf .wbf-languages { display: flex; gap: 6px; }
.wbf .wbf-languages button[aria-pressed="true"] { background: #2e86c1; color: white; }
.wbf button.wbf-option:focus-visible { outline: 3px solid #f1c40f; outline-offset: 1px; }
.wbf .wbf-chosen { font-size: .9em; color: #1f4e79; min-height: 1.3em; margin-top: 2px; }
.wbf .wbf-footer { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 16px 0 8px 0; }
.wbf button.wbf-submit { font: inherit; font-weight: bold; min-height: 48px; padding: 8px 28px;
  border: none; border-radius: 8px; background: #2e86c1; color: white; cursor: pointer; }
.wbf button.wbf-submit:disabled { background: #9bbcd6; cursor: wait; }
.wbf .wbf-prompt:empty, .wbf .wbf-error:empty { display: none; }
.wbf .wbf-prompt > div { margin-left: 0 !important; }
`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function addStyle() {
  if (document.getElementById("wbf-style")) return;
  const style = element("style");
  style.id = "wbf-style";
  style.textContent = CSS;
  document.head.appendChild(style);
}

// Phones lay a page out at its real width only when the page says so; Voilà's page does not.
function fitPhoneWidth() {
  if (document.querySelector('meta[name="viewport"]')) return;
  const meta = element("meta");
  meta.name = "viewport";
  meta.content = "width=device-width, initial-scale=1";
  document.head.appendChild(meta);
}

function sameValue(a, b) {
  return a !== null && a !== undefined && String(a) === String(b);
}

function render({ model, el }) {
  addStyle();
  fitPhoneWidth();
  const root = element("div", "wbf");
  el.appendChild(root);
  let textTimers = {};
  let lastFocus = null;

  function answerOf(itemId, part) {
    const answers = model.get("answers") || {};
    const value = answers[itemId];
    if (part === null) return value;
    return value && typeof value === "object" ? value[part] : undefined;
  }

  function setAnswer(itemId, part, value) {
    const answers = { ...(model.get("answers") || {}) };
    if (part === null) {
      if (value === null) delete answers[itemId];
      else answers[itemId] = value;
    } else {
      const parts = { ...(answers[itemId] && typeof answers[itemId] === "object" ? answers[itemId] : {}) };
      if (value === null) delete parts[part];
      else parts[part] = value;
      if (Object.keys(parts).length) answers[itemId] = parts;
      else delete answers[itemId];
    }
    model.set("answers", answers);
    model.save_changes();
  }

  function scaleControl(item, part) {
    const box = element("div");
    const numeric = item.kind === "scale";
    if (numeric && (item.low || item.high)) {
      const ends = element("div", "wbf-ends");
      ends.appendChild(element("span", "", item.low || ""));
      ends.appendChild(element("span", "", item.high || ""));
      box.appendChild(ends);
    }
    const group = element("div", numeric ? "wbf-scale" : "wbf-choices");
    group.setAttribute("role", "radiogroup");
    group.setAttribute("aria-label", item.text + (part ? " · " + part.name : ""));
    if (numeric) {
      const n = item.options.length;
      box.style.setProperty("--n", String(n)); // the end labels span exactly the buttons' row
      box.style.setProperty("--half", String(Math.ceil(n / 2)));
      if (n > 7) group.classList.add("wbf-long"); // 0–10: two rows of numbers on a phone
    }
    const chosen = element("div", "wbf-chosen");
    for (const option of item.options) {
      const button = element("button", "wbf-option", numeric ? option.value : option.label);
      button.type = "button";
      button.setAttribute("role", "radio");
      button.dataset.value = String(option.value);
      if (numeric && option.label) button.title = option.label;
      button.addEventListener("click", () => {
        const current = answerOf(item.id, part ? part.id : null);
        setAnswer(item.id, part ? part.id : null, sameValue(current, option.value) ? null : option.value);
      });
      group.appendChild(button);
    }
    box.appendChild(group);
    if (numeric) box.appendChild(chosen); // the chosen point's words, e.g. "4 满意"

    function show() {
      const value = answerOf(item.id, part ? part.id : null);
      let words = "";
      for (const button of group.children) {
        const on = sameValue(value, button.dataset.value);
        button.setAttribute("aria-checked", on ? "true" : "false");
        button.tabIndex = on || (value === undefined && button === group.firstChild) ? 0 : -1;
      }
      for (const option of item.options) {
        if (sameValue(value, option.value) && option.label) words = option.value + " · " + option.label;
      }
      chosen.textContent = words;
    }
    return { node: box, show };
  }

  function textControl(item) {
    const area = element("textarea");
    area.placeholder = item.placeholder || "";
    area.setAttribute("aria-label", item.text);
    area.addEventListener("input", () => {
      clearTimeout(textTimers[item.id]);
      textTimers[item.id] = setTimeout(() => {
        const text = area.value;
        setAnswer(item.id, null, text.trim() ? text : null);
      }, TEXT_DELAY_MS);
    });
    function show() {
      const value = answerOf(item.id, null);
      if (document.activeElement !== area) area.value = value === undefined || value === null ? "" : value;
    }
    return { node: area, show };
  }

  let shows = [];
  let itemNodes = {};
  let sectionCounts = {};
  let progressText, progressBar, prompt, errorBox, submit, segmentSelect;

  function draw() {
    const spec = model.get("spec") || {};
    root.replaceChildren();
    root.lang = spec.lang === "en" ? "en" : "zh-CN";
    shows = [];
    itemNodes = {};
    sectionCounts = {};
    const header = element("div", "wbf-top");
    header.style.justifyContent = "space-between";
    header.appendChild(element("h3", "", spec.title));
    if (spec.languages) {
      // Each language named in itself, so a reader of either finds their own.
      const switcher = element("div", "wbf-languages");
      switcher.setAttribute("role", "group");
      switcher.setAttribute("aria-label", spec.language_label || "");
      for (const language of spec.languages) {
        const button = element("button", "wbf-option", language.name);
        button.type = "button";
        button.setAttribute("aria-pressed", language.code === spec.lang ? "true" : "false");
        button.addEventListener("click", () => model.send({ event: "language", lang: language.code }));
        switcher.appendChild(button);
      }
      header.appendChild(switcher);
    }
    root.appendChild(header);
    if (spec.description) root.appendChild(element("div", "wbf-about", spec.description));
    if (spec.segment) {
      const label = element("label", "wbf-top");
      label.appendChild(element("b", "", spec.segment.label));
      segmentSelect = element("select");
      segmentSelect.appendChild(element("option", "", "—"));
      segmentSelect.firstChild.value = "";
      for (const option of spec.segment.options) {
        const node = element("option", "", option.name);
        node.value = option.id;
        segmentSelect.appendChild(node);
      }
      segmentSelect.addEventListener("change", () => {
        model.set("segment", segmentSelect.value || null);
        model.save_changes();
      });
      label.appendChild(segmentSelect);
      root.appendChild(label);
    } else {
      segmentSelect = null;
    }
    const top = element("div", "wbf-top");
    progressBar = element("div", "wbf-bar");
    progressBar.appendChild(element("div"));
    progressText = element("span", "wbf-progress");
    top.appendChild(progressBar);
    top.appendChild(progressText);
    root.appendChild(top);
    const legend = element("div", "wbf-about");
    legend.appendChild(element("span", "wbf-required", "* "));
    legend.appendChild(document.createTextNode(spec.legend || ""));
    root.appendChild(legend);

    for (const section of spec.sections || []) {
      const box = element("div", "wbf-section");
      const head = element("h4", "", section.name);
      sectionCounts[section.id] = element("span");
      head.appendChild(sectionCounts[section.id]);
      box.appendChild(head);
      if (section.about) box.appendChild(element("div", "wbf-about", section.about));
      for (const item of section.items) {
        const card = element("div", "wbf-item");
        card.dataset.item = item.id;
        const text = element("div", "wbf-item-text");
        text.appendChild(element("b", "", item.number + ". "));
        text.appendChild(document.createTextNode(item.text));
        if (item.required) text.appendChild(element("span", "wbf-required", " *"));
        card.appendChild(text);
        const parts = item.parts && item.parts.length ? item.parts : [null];
        for (const part of parts) {
          const control = item.kind === "text" ? textControl(item) : scaleControl(item, part);
          if (part) {
            const holder = element("div", "wbf-part");
            holder.appendChild(element("div", "wbf-part-name", part.name));
            holder.appendChild(control.node);
            card.appendChild(holder);
          } else {
            card.appendChild(control.node);
          }
          shows.push(control.show);
        }
        card.appendChild(element("div", "wbf-missing-note", spec.missing_note || ""));
        itemNodes[item.id] = card;
        box.appendChild(card);
      }
      root.appendChild(box);
    }
    const footer = element("div", "wbf-footer");
    submit = element("button", "wbf-submit", spec.submit);
    submit.type = "button";
    submit.title = spec.submit_tooltip || "";
    submit.addEventListener("click", () => {
      // Typing not yet sent goes first, so the kernel checks what is on screen.
      for (const id of Object.keys(textTimers)) {
        clearTimeout(textTimers[id]);
        const area = itemNodes[id] && itemNodes[id].querySelector("textarea");
        if (area) setAnswer(id, null, area.value.trim() ? area.value : null);
      }
      textTimers = {};
      model.send({ event: "submit" });
    });
    footer.appendChild(submit);
    prompt = element("div", "wbf-prompt");
    prompt.setAttribute("role", "status");
    footer.appendChild(prompt);
    root.appendChild(footer);
    errorBox = element("div", "wbf-error");
    errorBox.setAttribute("role", "alert");
    root.appendChild(errorBox);
    update();
  }

  function update() {
    for (const show of shows) show();
    const status = model.get("status") || {};
    const hidden = new Set(status.hidden || []);
    const missing = new Set(status.missing || []);
    for (const [id, card] of Object.entries(itemNodes)) {
      card.style.display = hidden.has(id) ? "none" : "";
      card.classList.toggle("wbf-missing", Boolean(status.highlight) && missing.has(id));
    }
    for (const [id, node] of Object.entries(sectionCounts)) {
      node.textContent = (status.sections || {})[id] || "";
    }
    progressText.textContent = status.progress || "";
    const total = Math.max(status.total || 0, 1);
    progressBar.firstChild.style.width = `${(100 * (status.done || 0)) / total}%`;
    prompt.innerHTML = status.prompt || ""; // built by the kernel, every user text escaped
    errorBox.innerHTML = model.get("error") || ""; // idem
    submit.disabled = Boolean(status.busy);
    if (segmentSelect) segmentSelect.value = model.get("segment") || "";
    // A refused submit: bring the first unanswered item into view, once per refusal.
    if (status.focus && status.focus !== lastFocus && status.first_missing) {
      const card = itemNodes[status.first_missing];
      if (card) {
        card.scrollIntoView({ block: "center", behavior: "smooth" });
        const first = card.querySelector("button, textarea");
        if (first) first.focus({ preventScroll: true });
      }
    }
    lastFocus = status.focus;
  }

  model.on("change:spec", draw);
  model.on("change:answers", update);
  model.on("change:status", update);
  model.on("change:segment", update);
  model.on("change:error", update);
  lastFocus = (model.get("status") || {}).focus; // an old refusal does not scroll a reopened page
  draw();
  return () => {
    for (const id of Object.keys(textTimers)) clearTimeout(textTimers[id]);
  };
}

export default { render };
