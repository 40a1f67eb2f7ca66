// The browser half of workbook.widgets.BrowserDraft.
//
// Keeps the app's draft (answers in progress, and a submit not yet acknowledged) in this
// browser's localStorage, so it outlives the kernel and the server. When the page opens and a
// draft is kept, it is handed back to the new kernel as `restored`. While the page is open the
// kernel is pinged; when it stops answering (kernel or server gone) a notice says the answers are
// safe, and the page reopens itself as soon as the server answers again. The pings also tell the
// server the page is alive: a kernel nobody pings is culled after a few minutes.
//
// Also kept here: this browser's random respondent token (who answered is decided by it, never
// by a typed name) and the language last chosen. The page's own `?code=` (a link or QR code
// from the trainer) is handed to the kernel too: a preheated kernel never sees the address.

const MISSED_PINGS_MEAN_LOST = 4; // a busy kernel may be slow to answer once or twice
const NOTICE_SHOWN_MS = 3000; // long enough to read why the page is about to reopen

const TOKEN_KEY = "workbook-respondent-token";
const LANG_KEY = "workbook-lang";

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (error) {
    return null;
  }
}

function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (error) {
    // Storage disabled: the page works, only without the copy.
  }
}

function newToken() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function respondentToken() {
  let token = stored(TOKEN_KEY);
  if (!token || !/^[A-Za-z0-9]{16,64}$/.test(token)) {
    token = newToken();
    store(TOKEN_KEY, token);
  }
  return token;
}

function codeInAddress() {
  try {
    const code = new URLSearchParams(window.location.search).get("code") || "";
    return code.slice(0, 40);
  } catch (error) {
    return "";
  }
}

function storageKey(model) {
  return "workbook-draft:" + model.get("storage_key");
}

function readDraft(model) {
  try {
    const text = window.localStorage.getItem(storageKey(model));
    return text ? JSON.parse(text) : null;
  } catch (error) {
    return null; // storage disabled or the entry damaged: start with an empty page
  }
}

function keepDraft(model) {
  const draft = model.get("draft");
  try {
    if (draft && Object.keys(draft).length > 0) {
      window.localStorage.setItem(storageKey(model), JSON.stringify(draft));
    } else {
      window.localStorage.removeItem(storageKey(model));
    }
  } catch (error) {
    // Storage full or disabled: the page works as before, only without the copy.
  }
}

function serverRoot() {
  try {
    const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
    return config.baseUrl || "/";
  } catch (error) {
    return "/";
  }
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function reopenWhenServerAnswers(everyMs) {
  await pause(NOTICE_SHOWN_MS);
  for (;;) {
    try {
      // An answer from a server means one is there (a 404 will do). A network error, or a load
      // balancer's 502/503/504 (no app server behind it yet), means not yet.
      const answer = await fetch(serverRoot() + "voila/static/", { cache: "no-store" });
      if (answer.status < 500) {
        window.location.reload();
        return;
      }
    } catch (error) {
      // Not reachable yet.
    }
    await pause(everyMs);
  }
}

function render({ model, el }) {
  const notice = document.createElement("div");
  notice.className = "wb-draft-notice";
  notice.setAttribute("role", "alert");
  // Fixed at the top: a trainee halfway down the form sees it too.
  notice.style.cssText =
    "display:none;position:fixed;top:0;left:0;right:0;z-index:1000;padding:14px 24px;" +
    "background:#fff3cd;border-bottom:2px solid #e0a800;color:#5c4400;font-size:1.15em;" +
    "box-shadow:0 2px 6px rgba(0,0,0,.15)";
  el.appendChild(notice);

  // In this order: the kernel knows the language, who this is and the code before the draft.
  const lang = stored(LANG_KEY);
  if (lang === "zh" || lang === "en") model.set("lang", lang);
  model.set("token", respondentToken());
  const code = codeInAddress();
  if (code) model.set("url_code", code);
  const kept = readDraft(model);
  if (kept) model.set("restored", kept);
  model.save_changes();
  model.on("change:draft", () => keepDraft(model));
  model.on("change:lang", () => {
    const chosen = model.get("lang");
    if (chosen === "zh" || chosen === "en") store(LANG_KEY, chosen);
  });

  let unanswered = 0;
  model.on("msg:custom", (message) => {
    if (message && message.pong) unanswered = 0;
  });
  const everyMs = model.get("heartbeat_ms");
  const timer = setInterval(() => {
    if (unanswered >= MISSED_PINGS_MEAN_LOST) {
      clearInterval(timer);
      notice.textContent = model.get("notice");
      notice.style.display = "block";
      reopenWhenServerAnswers(everyMs);
      return;
    }
    unanswered += 1;
    try {
      model.send({ ping: true });
    } catch (error) {
      // The connection is gone; the missed answer counts.
    }
  }, everyMs);
  return () => clearInterval(timer);
}

export default { render };
