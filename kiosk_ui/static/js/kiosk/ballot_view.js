// The ballot screen of each kind, and the marks it holds (only ever in this page's memory):
//   selection  each candidate project (name, investment, summary); tap to choose, at most
//              select_max, an over-limit tap refused with a message; counter 已选 X / 最多 N
//   rating     满意 / 基本满意 / 不满意 per project; none = abstain on it
//   motion     赞成 / 反对 / 弃权; none = no mark
// Choices go to the crypto as one 0/1 per encrypted selection (markSelection & co.).

import { markMotion, markRating, markSelection } from '../crypto/index.js';

const MOTION = ['yes', 'no', 'abstain'];
const STANDARD_SCALE = ['满意', '基本满意', '不满意'];
const SCALE_KEYS = ['kiosk.rating.satisfied', 'kiosk.rating.basic', 'kiosk.rating.unsatisfied'];

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

export class BallotView {
  /**
   * @param {object} election  the /election answer (manifest, vote spec, candidates)
   * @param {import('./i18n.js').I18n} i18n
   * @param {{counter: HTMLElement, message: HTMLElement}} bar  the action bar's fields
   */
  constructor(election, i18n, bar) {
    this.manifest = election.manifest;
    this.kind = this.manifest.kind;
    this.i18n = i18n;
    this.bar = bar;
    this.details = new Map((election.candidates ?? []).map((c) => [c.name, c]));
    const [constraint] = this.manifest.constraints;
    this.min = this.kind === 'selection' ? constraint.min : 0;
    this.max = this.kind === 'selection' ? constraint.max : 1;
    this.picked = new Set(); // selection: option indices
    this.grades = this.kind === 'rating' ? this.manifest.items.map(() => null) : [];
    this.motion = null; // motion: 'yes' | 'no' | 'abstain' | null
    this.buttons = [];
  }

  /** The instruction line of this ballot: {key, args}. */
  instructions() {
    if (this.kind === 'selection') {
      return this.min > 0
        ? { key: 'kiosk.ballot.selection.range', args: { min: this.min, max: this.max } }
        : { key: 'kiosk.ballot.selection.up_to', args: { max: this.max } };
    }
    return { key: `kiosk.ballot.${this.kind}.instructions`, args: null };
  }

  /** Build the ballot into `container` (emptied first). */
  render(container) {
    container.replaceChildren();
    this.buttons = [];
    if (this.kind === 'selection') container.append(this.#selection());
    else if (this.kind === 'rating') container.append(this.#rating());
    else container.append(this.#motion());
    this.#refresh();
  }

  #project(parent, name) {
    const info = this.details.get(name);
    parent.append(element('span', 'project-name', name));
    if (info?.investment) {
      const investment = element('span', 'project-investment');
      this.i18n.setText(investment, 'kiosk.ballot.investment', { amount: info.investment });
      parent.append(investment);
    }
    if (info?.summary) parent.append(element('span', 'project-summary', info.summary));
  }

  #selection() {
    const list = element('ol', 'projects');
    this.manifest.options.forEach((name, index) => {
      const button = element('button', 'project');
      button.type = 'button';
      button.dataset.index = String(index);
      button.setAttribute('aria-pressed', 'false');
      button.append(element('span', 'project-no', String(index + 1)));
      this.#project(button, name);
      const mark = element('span', 'project-mark');
      mark.setAttribute('aria-hidden', 'true');
      this.i18n.setText(mark, 'kiosk.ballot.chosen');
      button.append(mark);
      button.addEventListener('click', () => this.#toggleOption(index));
      const item = element('li');
      item.append(button);
      list.append(item);
      this.buttons.push(button);
    });
    return list;
  }

  #toggleOption(index) {
    if (this.picked.has(index)) {
      this.picked.delete(index);
      this.#hideMessage();
    } else if (this.picked.size >= this.max) {
      this.#showMessage('kiosk.ballot.over_limit', { max: this.max });
      return;
    } else {
      this.picked.add(index);
      this.#hideMessage();
    }
    this.#refresh();
  }

  #gradeLabel(grade) {
    const standard = this.manifest.scale.length === 3
      && this.manifest.scale.every((s, i) => s === STANDARD_SCALE[i]);
    return standard ? { key: SCALE_KEYS[grade] } : { text: this.manifest.scale[grade] };
  }

  #label(el, label) {
    if (label.key) this.i18n.setText(el, label.key);
    else el.textContent = label.text;
  }

  #rating() {
    const list = element('ol', 'rating-list');
    this.manifest.items.forEach((name, item) => {
      const li = element('li', 'rating-item');
      const group = element('div');
      group.setAttribute('role', 'group');
      const heading = element('h2', null, `${item + 1}. ${name}`);
      heading.id = `rating-item-${item}`;
      group.setAttribute('aria-labelledby', heading.id);
      group.append(heading);
      const info = this.details.get(name);
      if (info?.summary) group.append(element('span', 'project-summary', info.summary));
      const grades = element('div', 'grades');
      this.manifest.scale.forEach((_, grade) => {
        const button = element('button', 'grade');
        button.type = 'button';
        button.dataset.item = String(item);
        button.dataset.grade = String(grade);
        button.setAttribute('aria-pressed', 'false');
        this.#label(button, this.#gradeLabel(grade));
        button.addEventListener('click', () => {
          this.grades[item] = this.grades[item] === grade ? null : grade;
          this.#refresh();
        });
        grades.append(button);
        this.buttons.push(button);
      });
      group.append(grades);
      li.append(group);
      list.append(li);
    });
    return list;
  }

  #motion() {
    const box = element('div', 'motion-choices');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-labelledby', 'ballot-title');
    for (const choice of MOTION) {
      const button = element('button', 'motion-choice');
      button.type = 'button';
      button.dataset.choice = choice;
      button.setAttribute('aria-pressed', 'false');
      this.i18n.setText(button, `kiosk.motion.${choice}`);
      button.addEventListener('click', () => {
        this.motion = this.motion === choice ? null : choice;
        this.#refresh();
      });
      box.append(button);
      this.buttons.push(button);
    }
    return box;
  }

  #refresh() {
    for (const button of this.buttons) {
      let pressed;
      if (this.kind === 'selection') pressed = this.picked.has(Number(button.dataset.index));
      else if (this.kind === 'rating') {
        pressed = this.grades[Number(button.dataset.item)] === Number(button.dataset.grade);
      } else pressed = this.motion === button.dataset.choice;
      button.setAttribute('aria-pressed', String(pressed));
    }
    if (this.kind === 'selection') {
      this.bar.counter.hidden = false;
      this.i18n.setText(this.bar.counter, 'kiosk.ballot.counter',
        { count: this.picked.size, max: this.max });
    } else {
      this.bar.counter.hidden = true;
    }
  }

  #showMessage(key, args) {
    this.i18n.setText(this.bar.message, key, args);
    this.bar.message.hidden = false;
  }

  #hideMessage() {
    this.bar.message.hidden = true;
    this.bar.message.textContent = '';
  }

  /** True when the marks may go to review; otherwise shows why and returns false. */
  ready() {
    if (this.kind === 'selection' && this.picked.size < this.min) {
      this.#showMessage('kiosk.ballot.under_min', { min: this.min });
      return false;
    }
    this.#hideMessage();
    return true;
  }

  /** One 0/1 per encrypted selection, for the crypto (`manifest` is the crypto Manifest). */
  choices(manifest) {
    if (this.kind === 'selection') return markSelection(manifest, [...this.picked]);
    if (this.kind === 'rating') return markRating(manifest, this.grades);
    return markMotion(manifest, this.motion);
  }

  /** Fill `list` with one row per choice, as the deputy will check them; `count` gets the
   * selection's total. Works from `choices` (0/1 vector) so an audit shows what was encrypted. */
  describe(list, choices, count = null) {
    list.replaceChildren();
    const row = (label, mark, none = false) => {
      const li = element('li');
      li.append(element('span', 'label', label));
      const markEl = element('span', none ? 'mark none' : 'mark');
      this.#label(markEl, mark);
      li.append(markEl);
      list.append(li);
    };
    if (this.kind === 'selection') {
      const chosen = this.manifest.options.filter((_, i) => choices[i] === 1);
      chosen.forEach((name) => {
        row(`${this.manifest.options.indexOf(name) + 1}. ${name}`, { key: 'kiosk.ballot.chosen' });
      });
      if (!chosen.length) row('', { key: 'kiosk.review.blank' }, true);
      if (count) {
        this.i18n.setText(count, 'kiosk.review.count', { count: chosen.length, max: this.max });
        count.hidden = false;
      }
      return;
    }
    if (count) count.hidden = true;
    if (this.kind === 'rating') {
      const width = this.manifest.scale.length;
      this.manifest.items.forEach((name, item) => {
        const grade = choices.slice(item * width, (item + 1) * width).indexOf(1);
        if (grade < 0) row(`${item + 1}. ${name}`, { key: 'kiosk.review.unrated' }, true);
        else row(`${item + 1}. ${name}`, this.#gradeLabel(grade));
      });
      return;
    }
    const marked = MOTION.find((_, i) => choices[i] === 1);
    row(this.manifest.title, marked ? { key: `kiosk.motion.${marked}` }
      : { key: 'kiosk.review.no_mark' }, !marked);
  }

  /** Forget every mark. */
  clear() {
    this.picked.clear();
    this.grades = this.grades.map(() => null);
    this.motion = null;
    this.buttons = [];
  }
}
