// The shop page: asks the bot's API for shelves and the cart, sends taps, shows what comes back.
// Everything shown (names, prices, stock, totals, words) is computed by the server; every call
// carries Telegram's initData, which the server checks before it believes who is asking.
"use strict";
(function () {
  const tg = window.Telegram && window.Telegram.WebApp;
  // Outside Telegram (the console's local address, or when telegram.org cannot be reached) the
  // initData is read from the address's fragment, where Telegram itself puts it.
  const fragment = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData");
  const initData = (tg && tg.initData) || fragment || "";
  let state = null;
  let orchard = null;
  let kind = "";
  let chosen = null;
  let busy = false;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // `text` with the tree's `code` in it kept whole on one line (PEACH-0003, never PEACH- 0003)
  function withCode(node, text, code) {
    const at = text.indexOf(code);
    if (at < 0) { node.textContent = text; return; }
    node.replaceChildren(text.slice(0, at), el("span", "code", code), text.slice(at + code.length));
  }

  // The page's bottom space follows the fixed bar and tree card, however tall their lines make
  // them (Lao's are taller, a second currency adds one), so nothing is ever left under them.
  function keepClear() {
    const covered = Math.max($("bar").offsetHeight, $("tree").offsetHeight);
    document.documentElement.style.setProperty("--covered", covered + 12 + "px");
  }

  async function call(name, body) {
    const response = await fetch("api/" + name, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "X-Telegram-Init-Data": initData },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const error = new Error(data.message || String(response.status));
      error.status = response.status;
      error.told = Boolean(data.message);  // the server's own words, in the user's language
      throw error;
    }
    return data;
  }

  function say(text) {
    const notice = $("notice");
    if (!text) { notice.hidden = true; return; }
    notice.textContent = text;
    const bar = $("bar");  // just above the cart's bar, however tall its lines make it
    notice.style.bottom = (bar.hidden ? 16 : bar.offsetHeight + 8) + "px";
    notice.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { notice.hidden = true; }, 3000);
  }

  function fail(error) {
    if (error.status === 401 || !state) {
      const main = $("shop");
      main.replaceChildren(el("p", "message", error.message));
      $("bar").hidden = true;
    } else {
      say(error.told ? error.message : state.strings.offline);
    }
  }

  function controls(product) {
    const s = state.strings;
    const box = el("div", "controls");
    const quantity = state.cart.lines[String(product.id)] || 0;
    if (quantity === 0) {
      const add = el("button", "add", s.add);
      add.type = "button";
      add.disabled = product.stock < 1;
      add.addEventListener("click", function () { change(product.id, "+"); });
      box.append(add);
      return box;
    }
    // the chat's rule: − stops at one (the server refuses below), Remove takes the line out
    const less = el("button", "less", "−");
    less.type = "button";
    less.setAttribute("aria-label", s.less);
    less.disabled = quantity <= 1;
    less.addEventListener("click", function () { change(product.id, "-"); });
    const more = el("button", "more", "+");
    more.type = "button";
    more.setAttribute("aria-label", s.more);
    more.disabled = quantity >= product.stock;
    more.addEventListener("click", function () { change(product.id, "+"); });
    const remove = el("button", "remove secondary", s.remove);
    remove.type = "button";
    remove.addEventListener("click", function () { change(product.id, "x"); });
    box.append(less, el("span", "qty", String(quantity)), more, remove);
    return box;
  }

  function card(product) {
    const node = el("article", "card");
    node.dataset.product = String(product.id);
    if (product.photo) {
      const img = el("img");
      img.src = product.photo;
      img.alt = "";
      img.loading = "lazy";
      img.addEventListener("error", function () { img.replaceWith(el("div", "nophoto")); });
      node.append(img);
    } else {
      node.append(el("div", "nophoto"));
    }
    const body = el("div", "body");
    const stock = el("p", product.stock > 0 && product.stock <= 5 ? "stock low" : "stock",
      product.stock_text);
    body.append(el("h3", "", product.name), el("p", "price", product.price), stock,
      controls(product));
    node.append(body);
    return node;
  }

  function showTab(tab, code) {
    for (const button of document.querySelectorAll("#tabs button")) {
      button.setAttribute("aria-pressed", String(button.dataset.tab === tab));
    }
    $("shop").hidden = tab !== "shop";
    $("orchard").hidden = tab !== "orchard";
    $("bar").hidden = tab !== "shop";
    $("tree").hidden = true;
    if (tab === "orchard") loadOrchard(code);
  }

  async function loadOrchard(code) {
    try {
      orchard = await call("orchard");
      renderOrchard();
      if (code) {
        for (const village of orchard.villages) {
          for (const tree of village.trees) {
            if (tree.code === code) showTree(tree);
          }
        }
      }
    } catch (error) {
      fail(error);
    }
  }

  function renderOrchard() {
    const s = state.strings;
    const main = $("orchard");
    const kinds = el("div", "kinds");
    const colour = {};  // each kind's tiles and chip share a colour (no emoji font needed)
    orchard.kinds.forEach(function (option, index) { colour[option.slug] = "k" + (index % 6); });
    for (const option of [{ slug: "", name: s.all_kinds }].concat(orchard.kinds)) {
      const chip = el("button", "", option.name);
      if (option.slug) chip.prepend(el("span", "dot " + colour[option.slug]));
      chip.type = "button";
      chip.dataset.kind = option.slug;
      chip.setAttribute("aria-pressed", String(option.slug === kind));
      chip.addEventListener("click", function () { kind = option.slug; renderOrchard(); });
      kinds.append(chip);
    }
    const parts = [kinds];
    for (const village of orchard.villages) {
      parts.push(el("h2", "", village.heading));
      for (const line of village.counters) parts.push(el("p", "counter", line));
      // the village's map: every tree on its own row and column; a filtered-out kind leaves
      // its cells empty, so the others stay where they stand
      const map = el("div", "trees");
      map.style.gridTemplateColumns = "repeat(" + village.cols + ", 48px)";
      map.style.gridTemplateRows = "repeat(" + village.rows + ", 48px)";
      for (const tree of village.trees) {
        const tile = el("button", (tree.free ? "free " : "taken ") + colour[tree.kind], tree.label);
        tile.type = "button";
        tile.dataset.code = tree.code;
        tile.dataset.kind = tree.kind;
        tile.style.gridRow = String(tree.row);
        tile.style.gridColumn = String(tree.col);
        tile.hidden = kind !== "" && tree.kind !== kind;
        tile.disabled = !tree.free;
        tile.setAttribute("aria-label", tree.title + " · " + (tree.free ? s.free : s.taken));
        tile.addEventListener("click", function () { showTree(tree); });
        map.append(tile);
      }
      const frame = el("div", "map");
      frame.append(map);
      parts.push(frame);
    }
    main.replaceChildren.apply(main, parts);
  }

  function showTree(tree) {
    const s = state.strings;
    chosen = tree;
    $("tree-adopt").hidden = !tree.free;
    const photo = $("tree-photo");
    photo.hidden = !tree.photo;
    photo.onerror = function () { photo.hidden = true; };
    if (tree.photo) photo.src = tree.photo;
    withCode($("tree-title"), tree.free ? tree.title : tree.title + " · " + s.taken, tree.code);
    $("tree-variety").hidden = !tree.variety;
    $("tree-variety").textContent = tree.variety || "";
    $("tree-planted").textContent = tree.planted;
    $("tree-share").textContent = tree.share;
    $("tree-price").textContent = tree.price;
    $("tree-adopt").textContent = s.adopt;
    $("tree-close").textContent = s.close;
    $("tree").hidden = false;
  }

  // Opened by Telegram itself (not the console's local address in a browser, where
  // telegram-web-app.js may load too but has no chat to go back to).
  function inTelegram() {
    return Boolean(tg && tg.initData && tg.platform && tg.platform !== "unknown");
  }

  // Outside Telegram the chat gets a button from the bot instead, and the page says so.
  function handedOver() {
    $("tree").hidden = true;
    say(state.strings.sent);
  }

  async function adopt() {
    if (!chosen || !chosen.link) return;
    if (inTelegram() && tg.openTelegramLink) {
      tg.openTelegramLink(chosen.link);
      tg.close();
      return;
    }
    try {
      await call("adopt", { code: chosen.code });
      handedOver();
    } catch (error) {
      fail(error);
      if (error.status === 409) loadOrchard();  // taken meanwhile: the map shows it so
    }
  }

  function render() {
    const s = state.strings;
    const tabs = document.querySelectorAll("#tabs button");
    tabs[0].textContent = s.tab_shop;
    tabs[1].textContent = s.tab_orchard;
    $("tabs").hidden = false;
    document.documentElement.lang = state.lang;
    document.title = s.title;
    $("title").textContent = s.title;
    const main = $("shop");
    const parts = [];
    for (const shelf of state.shelves) {
      parts.push(el("h2", "", shelf.heading));
      const grid = el("section", "shelf");
      for (const product of shelf.products) grid.append(card(product));
      parts.push(grid);
    }
    main.replaceChildren.apply(main, parts);
    main.setAttribute("aria-busy", "false");
    const cart = state.cart;
    $("bar").hidden = $("shop").hidden;
    $("count").textContent = cart.count ? cart.summary : s.empty;
    $("subtotal").textContent = cart.count ? cart.subtotal : "";
    $("shipping").textContent = cart.count ? s.shipping : "";
    const checkout = $("checkout");
    checkout.textContent = s.checkout;
    checkout.disabled = cart.count === 0;
  }

  async function change(productId, action) {
    if (busy) return;
    busy = true;
    try {
      state = await call("cart", { product_id: productId, action: action,
        version: state.cart.version });
      render();
      say(state.notice);
      if (tg && tg.HapticFeedback) tg.HapticFeedback.selectionChanged();
    } catch (error) {
      fail(error);
    } finally {
      busy = false;
    }
  }

  async function checkout() {
    try {
      await call("checkout");
      if (inTelegram()) tg.close();
      else handedOver();
    } catch (error) {
      fail(error);
      if (error.status === 409) reload();  // emptied in the chat meanwhile: show it so
    }
  }

  async function reload() {
    try {
      state = await call("shop");
      render();
    } catch (error) {
      fail(error);
    }
  }

  async function start() {
    if (tg) { tg.ready(); tg.expand(); }
    if (window.ResizeObserver) {  // also told when either is shown or hidden (0 high)
      const watcher = new ResizeObserver(keepClear);
      watcher.observe($("bar"));
      watcher.observe($("tree"));
    }
    $("checkout").addEventListener("click", checkout);
    $("tree-adopt").addEventListener("click", adopt);
    $("tree-close").addEventListener("click", function () { $("tree").hidden = true; });
    for (const button of document.querySelectorAll("#tabs button")) {
      button.addEventListener("click", function () { showTab(button.dataset.tab); });
    }
    try {
      state = await call("shop");
      render();
      const start = state.start;  // a t.me/BOT/APP?startapp=tree_CODE or product_SKU link
      if (start && start.kind === "tree") showTab("orchard", start.code);
      if (start && start.kind === "product") {
        const product = state.shelves.flatMap(function (shelf) { return shelf.products; })
          .find(function (item) { return item.sku === start.code; });
        const card = product && document.querySelector('[data-product="' + product.id + '"]');
        if (card) card.scrollIntoView({ block: "center" });
      }
    } catch (error) {
      fail(error);
    }
  }

  start();
})();
