/* The workspace: autosave, conflicts, offline safety, evidence picker. Without it each
   criterion is a plain form with a Save button. */
(function () {
  "use strict";
  var root = document.getElementById("workspace"), msg = document.getElementById("ws-messages");
  if (!root || !msg || !window.fetch) return;
  var T = msg.dataset, K = "lgo-assess:" + root.dataset.assessment + ":", states = {}, library;
  var meta = document.querySelector('meta[name="csrf-token"]'), csrf = meta ? meta.content : "";
  var globalStatus = document.getElementById("global-status");
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function store(code, value) {  /* may fail (private mode): the text stays on screen */
    try {
      if (value) localStorage.setItem(K + code, JSON.stringify(value));
      else localStorage.removeItem(K + code);
    } catch (e) { /* ignore */ }
  }
  function load(code) {
    try { return JSON.parse(localStorage.getItem(K + code)); }
    catch (e) { return null; }
  }
  function post(url, body, json) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrf };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, { method: "POST", headers: headers, credentials: "same-origin",
                        body: json ? JSON.stringify(body) : body });
  }
  function readJson(r) {  /* null for a login page or a proxy's error page */
    if (r.redirected || (r.headers.get("Content-Type") || "").indexOf("json") < 0) {
      return Promise.resolve(null);
    }
    return r.json().catch(function () { return null; });
  }

  /* -- One criterion's answer */
  function field(form, name) { return form.elements.namedItem(name); }
  function picked(form, name) { return form.querySelector('input[name="' + name + '"]:checked'); }

  function collect(form) {
    var m = form.dataset.method, d = {}, p;
    if (m === "level") { p = picked(form, "level"); d.level = p ? Number(p.value) : null; }
    else if (m === "numeric") { p = field(form, "value").value.trim(); d.value = p || null; }
    else if (m === "yes_no") { p = picked(form, "yes"); d.yes = p ? p.value === "yes" : null; }
    else {
      p = [];
      each(form.querySelectorAll('input[name="checked"]:checked'), function (i) { p.push(i.value); });
      d.checked = p.length || field(form, "checked_none").checked ? p : null;
    }
    if (field(form, "is_not_applicable")) {
      d.is_not_applicable = field(form, "is_not_applicable").checked;
      d.not_applicable_reason = field(form, "not_applicable_reason").value;
    }
    d.narrative = field(form, "narrative").value;
    return d;
  }

  function apply(form, d) {
    each(form.querySelectorAll("input[type=radio],input[type=checkbox]"), function (i) {
      var n = i.name;
      i.checked = n === "level" ? d.level != null && String(d.level) === i.value :
        n === "yes" ? d.yes != null && (d.yes ? "yes" : "no") === i.value :
        n === "checked" ? (d.checked || []).indexOf(i.value) >= 0 :
        n === "checked_none" ? !!d.checked && !d.checked.length : !!d.is_not_applicable;
    });
    if (field(form, "value")) field(form, "value").value = d.value == null ? "" : d.value;
    if (field(form, "not_applicable_reason")) {
      field(form, "not_applicable_reason").value = d.not_applicable_reason || "";
    }
    field(form, "narrative").value = d.narrative || "";
    tidy(form, {});
  }

  /* Two answers are the same when the fields the criterion reads are. */
  function norm(form, d) {
    var m = form.dataset.method, na = !!d.is_not_applicable, v = d.value;
    return JSON.stringify([m === "level" ? d.level : m === "checklist" ? d.checked || null :
      m === "numeric" ? (v == null || v === "" ? null : Number(v)) : d.yes,
      na, na ? (d.not_applicable_reason || "").trim() : "", d.narrative || ""]);
  }
  function same(form, a, b) { return norm(form, a) === norm(form, b); }

  /* Someone's answer in words, from the form's own labels (text only, never HTML). */
  function describe(form, d) {
    var box = el("div", "answer-view"), m = form.dataset.method, shown;
    function label(name, value) {
      var i = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
      return i ? i.closest("label").textContent.replace(/\s+/g, " ").trim() : String(value);
    }
    if (d.is_not_applicable) shown = T.na + ": " + (d.not_applicable_reason || "");
    else if (m === "level") shown = d.level == null ? "—" : label("level", d.level);
    else if (m === "numeric") shown = d.value == null ? "—" : String(d.value);
    else if (m === "yes_no") shown = d.yes == null ? "—" : d.yes ? T.yes : T.no;
    else shown = d.checked == null ? "—" :
      d.checked.map(function (c) { return label("checked", c); }).join("; ") || T.none;
    box.appendChild(el("p", null, shown));
    box.appendChild(el("p", "prose", T.narrative + ": " + (d.narrative || "—")));
    return box;
  }

  function tidy(form, target) {  /* "none of these" and the items exclude each other */
    if (target.name === "checked_none" && target.checked) {
      each(form.querySelectorAll('input[name="checked"]'), function (i) { i.checked = false; });
    } else if (target.name === "checked" && target.checked) {
      field(form, "checked_none").checked = false;
    }
    var na = field(form, "is_not_applicable");
    form.classList.toggle("na-on", !!(na && na.checked));
  }

  /* -- Saving */
  function setStatus(st, text, kind) {
    st.status.textContent = text;
    st.status.className = "save-status " + kind;
    st.kind = kind;
    var pending = 0, offline = false;
    Object.keys(states).forEach(function (c) {
      var s = states[c];
      if (busy(s)) pending++;
      if (s.kind === "offline") offline = true;
    });
    globalStatus.textContent = offline ? T.offline : pending ? fmt(T.pending, { n: pending }) :
      T.allSaved;
    globalStatus.className = "global-status " + (offline ? "offline" : pending ? "pending" : "");
  }
  function busy(s) { return s.dirty || s.inflight || s.conflict || s.kind === "bad"; }

  function remember(st, version) {
    store(st.code, { data: collect(st.form), version: version, at: new Date().toISOString() });
  }

  function changed(st) {
    st.dirty = true;
    st.seq++;
    remember(st, st.version.value);
    if (!st.conflict) setStatus(st, T.unsaved, "pending");
    clearTimeout(st.timer);
    st.timer = setTimeout(function () { save(st); }, 800);
  }

  function save(st) {
    clearTimeout(st.timer);
    clearTimeout(st.retry);
    if (st.conflict || !st.dirty) return;
    if (st.inflight) { st.again = true; return; }
    var data = collect(st.form), sent = st.seq;
    if (data.is_not_applicable && !data.not_applicable_reason.trim()) return;  /* wait for why */
    st.inflight = true;
    st.dirty = false;
    setStatus(st, T.saving, "pending");
    post(st.form.action, Object.assign({ version: st.version.value || null }, data), true)
      .then(function (r) {
        return readJson(r).then(function (json) { done(st, r.status, json, sent, data); });
      }, function () { failed(st, T.offline); })
      .then(function () {
        st.inflight = false;
        if (st.again && !st.conflict) { st.again = false; save(st); }
      });
  }

  function failed(st, text) {  /* keep the text, retry with backoff */
    st.dirty = true;
    setStatus(st, text, "offline");
    st.delay = Math.min((st.delay || 1000) * 2, 60000);
    st.retry = setTimeout(function () { save(st); }, st.delay);
  }

  function done(st, status, json, sent, data) {
    if (status === 200 && json) {
      st.version.value = json.version;
      st.delay = 0;
      if (st.seq === sent) store(st.code); else remember(st, String(json.version));
      setStatus(st, fmt(T.saved, { time: json.saved_at_label }), st.dirty ? "pending" : "ok");
      var badge = st.article.querySelector("[data-state]");
      if (badge) {
        badge.textContent = json.state === "answered" ? T.answered :
          json.state === "not_applicable" ? T.na : T.unanswered;
        badge.className = "badge " + (json.state === "unanswered" ? "warn" : "ok");
      }
      var panel = document.getElementById("score-panel");
      if (json.panel_html) panel.innerHTML = json.panel_html;  /* server-rendered, escaped */
      json.score.sections.forEach(function (s) {
        var p = root.querySelector('[data-progress-for="' + s.code + '"]');
        if (p) p.textContent = fmt(T.progress, { answered: s.answered, applicable: s.applicable });
      });
    } else if (status === 409 && json) {
      st.dirty = true;
      conflict(st, json.current, data);
    } else if (status >= 500) {
      failed(st, T.retrying);
    } else if (!json || status === 400 || status === 401) {
      st.dirty = true;  /* logged out, or a stale CSRF token: reloading restores from storage */
      setStatus(st, T.login, "bad");
    } else {          /* refused (422, 403): kept on this device until changed */
      setStatus(st, T.refused + " " + json.title, "bad");
    }
  }

  /* -- A conflict: both versions side by side */
  function conflict(st, theirs, mine) {
    theirs = theirs || {};
    if (theirs.version && same(st.form, theirs, mine)) {  /* our own save, its answer lost */
      st.version.value = theirs.version;
      st.dirty = false;
      store(st.code);
      return setStatus(st, fmt(T.saved, { time: "" }), "ok");
    }
    st.conflict = true;
    setStatus(st, T.conflict, "conflict");
    var box = st.conflictBox, cols = el("div", "compare"), their = el("div"), your = el("div");
    var take = el("button", null, T.takeTheirs), keep = el("button", "primary", T.keepMine);
    their.appendChild(el("h4", null, T.theirs +
      (theirs.updated_by ? " (" + fmt(T.by, { name: theirs.updated_by }) + ")" : "")));
    their.appendChild(describe(st.form, theirs));
    your.appendChild(el("h4", null, T.yours));
    your.appendChild(describe(st.form, mine));
    take.type = keep.type = "button";
    take.addEventListener("click", function () {
      apply(st.form, theirs);
      resolve(st, theirs, false);
      store(st.code);
      setStatus(st, T.allSaved, "ok");
    });
    keep.addEventListener("click", function () { resolve(st, theirs, true); save(st); });
    their.appendChild(take);
    your.appendChild(keep);
    cols.appendChild(their);
    cols.appendChild(your);
    box.textContent = "";
    box.appendChild(cols);
    box.hidden = false;
    keep.focus();
  }

  function resolve(st, theirs, dirty) {
    st.conflict = false;
    st.dirty = dirty;
    st.version.value = theirs.version || "";
    st.conflictBox.hidden = true;
    st.conflictBox.textContent = "";
  }

  /* -- Each editable criterion */
  function setup(form) {
    var st = states[form.dataset.code] = {
      code: form.dataset.code, form: form, article: form.closest("article"), seq: 0, kind: "",
      version: field(form, "version"), status: form.querySelector(".save-status"),
      conflictBox: form.querySelector(".conflict-box")
    };
    function edit(e) { tidy(form, e.target); changed(st); }
    form.addEventListener("input", edit);
    form.addEventListener("change", edit);
    form.addEventListener("focusout", function () { if (st.dirty) save(st); });
    form.addEventListener("submit", function (e) { e.preventDefault(); st.dirty = true; save(st); });
    tidy(form, {});
    var draft = load(st.code);
    if (!draft || !draft.data) return;
    if (same(form, draft.data, collect(form)) && String(draft.version || "") === st.version.value) {
      return store(st.code);
    }
    apply(form, draft.data);
    st.version.value = draft.version || "";
    st.dirty = true;
    form.insertBefore(el("p", "notice", fmt(T.restored,
      { time: new Date(draft.at).toLocaleString() })), form.firstChild);
    setTimeout(function () { save(st); }, 50);
  }

  if (root.hasAttribute("data-editable")) {
    each(root.querySelectorAll("form.answer"), function (form) {
      if (form.querySelector(".save-status")) setup(form);
    });
    window.addEventListener("online", function () {
      Object.keys(states).forEach(function (c) { save(states[c]); });
    });
    window.addEventListener("beforeunload", function (e) {
      if (Object.keys(states).some(function (c) { return busy(states[c]); })) {
        e.preventDefault();
        e.returnValue = T.leave;
        return T.leave;
      }
    });
  }

  /* -- Evidence: cite from the library, upload inline, remove */
  /* Cite or remove an item; the server sends the criterion's list back, rendered. */
  function cite(url, code, itemId, fail) {
    return post(url, { item_id: itemId }, true).then(function (r) {
      return readJson(r).then(function (json) {
        if (r.ok && json) root.querySelector('[data-links-for="' + code + '"]').innerHTML =
          json.links_html;
        else fail(json ? json.title : T.loadFailed);
      });
    }, function () { fail(T.offline); });
  }

  function picker(button) {
    var code = button.closest("article").id.slice(2), url = button.dataset.linkUrl;
    var open = button.parentNode.querySelector(".picker");
    if (open) return open.remove();
    var box = el("div", "picker panel"), note = el("p", "muted"), list = el("ul", "picker-list");
    var search = el("input"), close = el("button", "link", T.close);
    function say(text) { note.textContent = text; }
    search.type = "search";
    search.placeholder = T.search;
    search.setAttribute("aria-label", T.search);
    close.type = "button";
    close.addEventListener("click", function () { box.remove(); button.focus(); });
    [search, note, list].forEach(function (n) { box.appendChild(n); });
    if (T.uploadUrl) {
      var row = el("p", "picker-upload"), file = el("input"), up = el("button", null, T.upload);
      file.type = "file";
      up.type = "button";
      up.addEventListener("click", function () {
        if (!file.files.length) return file.click();
        var data = new FormData();
        data.append("rows-0-file", file.files[0]);
        note.textContent = T.uploading;
        post(T.uploadUrl, data, false).then(function (r) {
          return readJson(r).then(function (json) {
            var item = json && json.items && json.items[0];
            if (!item) {
              note.textContent = json ? (json.problems && json.problems.length ?
                json.problems[0].message : json.title) : T.loadFailed;
              return;
            }
            if (library) library.unshift(item);
            note.textContent = file.value = "";
            return cite(url, code, item.id, say).then(render);
          });
        }, function () { say(T.offline); });
      });
      row.appendChild(file);
      row.appendChild(up);
      box.appendChild(row);
    }
    box.appendChild(close);
    button.parentNode.appendChild(box);
    search.focus();

    function render() {
      var words = search.value.trim().toLowerCase(), cited = {};
      each(root.querySelectorAll('[data-links-for="' + code + '"] [data-item-id]'), function (li) {
        cited[li.dataset.itemId] = true;
      });
      list.textContent = "";
      if (library && !library.length) note.textContent = T.emptyLibrary;
      (library || []).filter(function (item) {
        return !cited[item.id] && (item.title + " " + (item.filename || item.url || ""))
          .toLowerCase().indexOf(words) >= 0;
      }).slice(0, 50).forEach(function (item) {
        var li = el("li"), b = el("button", null, T.pick);
        b.type = "button";
        b.addEventListener("click", function () {
          b.disabled = true;
          cite(url, code, item.id, say).then(render);
        });
        li.appendChild(b);
        li.appendChild(el("span", null, " " + item.title + " "));
        li.appendChild(el("span", "muted", item.filename || item.url || ""));
        list.appendChild(li);
      });
    }
    search.addEventListener("input", render);
    if (library) return render();
    fetch(T.libraryUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(readJson).then(function (json) {
        if (!json) throw json;
        library = json.items;
        render();
      }).catch(function () { note.textContent = T.loadFailed; });
  }

  root.addEventListener("click", function (e) {
    var button = e.target.closest("a.pick-evidence");
    if (button && T.libraryUrl) { e.preventDefault(); picker(button); }
  });
  root.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("unlink")) return;
    e.preventDefault();
    cite(form.action, form.closest("article").id.slice(2), Number(field(form, "item_id").value),
         function () { form.submit(); });  /* the page without JavaScript says why */
  });
})();
