// The kiosk's texts in zh-CN and English (catalogues from /kiosk/messages.json, which come
// from voting/locales/). Elements carry data-i18n="key" (text), data-i18n-label="key"
// (aria-label) and data-i18n-args (JSON placeholders), so switching language re-renders the
// whole page in place, mid-ballot, without reloading it and without losing the marks.

export class I18n {
  /** @param {Record<string, Record<string, string>>} catalogues  @param {string} lang */
  constructor(catalogues, lang) {
    this.catalogues = catalogues;
    this.lang = Object.hasOwn(catalogues, lang) ? lang : 'zh-CN';
  }

  /** The text of `key` in the current language, placeholders {name} filled from `args`.
   * An argument may be an object keyed by language ({"zh-CN": …, "en": …}). */
  t(key, args = {}) {
    const text = this.catalogues[this.lang]?.[key] ?? this.catalogues['zh-CN']?.[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => {
      if (!Object.hasOwn(args, name)) return whole;
      const value = args[name];
      if (value !== null && typeof value === 'object') return String(value[this.lang] ?? value['zh-CN'] ?? '');
      return String(value);
    });
  }

  /** Show `key` (with `args`) as the text of `element`, and keep it translatable. */
  setText(element, key, args = null) {
    element.dataset.i18n = key;
    if (args) element.dataset.i18nArgs = JSON.stringify(args);
    else delete element.dataset.i18nArgs;
    element.textContent = this.t(key, args ?? {});
  }

  /** Re-render every translatable text under `root`. */
  apply(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) {
      el.textContent = this.t(el.dataset.i18n, el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : {});
    }
    for (const el of root.querySelectorAll('[data-i18n-label]')) {
      el.setAttribute('aria-label', this.t(el.dataset.i18nLabel));
    }
  }

  /** Switch language and re-render the document. */
  setLang(lang) {
    if (!Object.hasOwn(this.catalogues, lang)) return;
    this.lang = lang;
    document.documentElement.lang = lang;
    this.apply(document);
    document.title = `${this.t('kiosk.title')} · ${document.body.querySelector('.kiosk-session')?.textContent ?? ''}`;
  }
}
