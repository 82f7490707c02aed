// The manifest of one vote (docs/spec/crypto.md §6), mirroring tally/manifest.py: one label
// per encrypted selection (each ciphertext encrypts 0 or 1) and the constraints, groups of
// selections whose sum must lie in [min, max]. Kinds:
//   selection: one selection per option, one constraint over all ("13选10": [0, 10]);
//   rating:    selections item-major, index i * scale.length + s; per item [0, 1];
//   motion:    yes / no / abstain, one constraint [0, 1].
// manifestHash() = SHA-256 of the RFC 8785 canonical JSON of toJson().

import { canonicalJsonText, sha256Canonical } from './canonical.js';
import { InvalidManifest } from './errors.js';
import { getInt, getList, getObject, getStr } from './json_fields.js';

export const KINDS = Object.freeze(['selection', 'rating', 'motion']);
export const MOTION_LABELS = Object.freeze(['yes', 'no', 'abstain']);
/** Most encrypted selections one ballot may have (bounds the work per ballot). */
export const MAX_SELECTIONS = 1024;

const BASE_KEYS = ['vote_id', 'kind', 'title', 'labels', 'constraints'];
const KIND_KEYS = { selection: ['options'], rating: ['items', 'scale'], motion: [] };

/** The label of the selection "item rated grade" in a rating manifest. */
export function ratingLabel(item, grade) {
  return `${item} / ${grade}`;
}

/** Selections (distinct, ascending indices) whose sum must lie in [min, max]. */
export class Constraint {
  constructor(selections, min, max) {
    const s = [...selections];
    const ascending = s.every((v, i) => i === 0 || v > s[i - 1]);
    if (!s.length || !s.every(Number.isSafeInteger) || !ascending || s[0] < 0) {
      throw new InvalidManifest('constraint selections must be distinct ascending indices');
    }
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw new InvalidManifest('constraint bounds must be integers');
    }
    if (!(min >= 0 && min <= max && max <= s.length)) {
      throw new InvalidManifest('constraint needs 0 <= min <= max <= len(selections)');
    }
    this.selections = Object.freeze(s);
    this.min = min;
    this.max = max;
    Object.freeze(this);
  }

  toJson() {
    return { selections: [...this.selections], min: this.min, max: this.max };
  }

  static fromJson(obj) {
    const fields = getObject(obj, ['selections', 'min', 'max'], 'constraint');
    const selections = getList(fields.selections, 'constraint.selections')
      .map((i) => getInt(i, 'constraint.selections', 0, MAX_SELECTIONS - 1));
    return new Constraint(
      selections,
      getInt(fields.min, 'constraint.min', 0, MAX_SELECTIONS),
      getInt(fields.max, 'constraint.max', 0, MAX_SELECTIONS),
    );
  }
}

/** One vote's ballot layout. Build with Manifest.fromJson or the *Manifest functions. */
export class Manifest {
  constructor({ vote_id, kind, title, labels, constraints, options = null, items = null,
    scale = null }) {
    this.vote_id = vote_id;
    this.kind = kind;
    this.title = title;
    this.labels = Object.freeze([...labels]);
    this.constraints = Object.freeze([...constraints]);
    this.options = options === null ? null : Object.freeze([...options]);
    this.items = items === null ? null : Object.freeze([...items]);
    this.scale = scale === null ? null : Object.freeze([...scale]);
    Object.freeze(this);
    validate(this);
  }

  /** Number of encrypted selections per ballot. */
  get selectionCount() {
    return this.labels.length;
  }

  /** The JSON form; kind-specific keys appear only for their kind. */
  toJson() {
    const obj = {
      vote_id: this.vote_id,
      kind: this.kind,
      title: this.title,
      labels: [...this.labels],
      constraints: this.constraints.map((c) => c.toJson()),
    };
    for (const key of KIND_KEYS[this.kind]) obj[key] = [...this[key]];
    return obj;
  }

  /** Parse and validate (throws InvalidManifest / InvalidEncoding). */
  static fromJson(obj) {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new InvalidManifest('manifest: expected a JSON object');
    }
    const kind = obj.kind;
    if (typeof kind !== 'string' || !Object.hasOwn(KIND_KEYS, kind)) {
      throw new InvalidManifest(`unknown kind ${JSON.stringify(kind)}`);
    }
    const fields = getObject(obj, [...BASE_KEYS, ...KIND_KEYS[kind]], 'manifest');
    const extra = {};
    for (const key of KIND_KEYS[kind]) extra[key] = strings(fields[key], `manifest.${key}`);
    return new Manifest({
      vote_id: getStr(fields.vote_id, 'manifest.vote_id'),
      kind,
      title: getStr(fields.title, 'manifest.title'),
      labels: strings(fields.labels, 'manifest.labels'),
      constraints: getList(fields.constraints, 'constraints').map((c) => Constraint.fromJson(c)),
      ...extra,
    });
  }

  /** SHA-256 of the RFC 8785 canonical JSON of toJson() (spec symbol h_M), 32 bytes. */
  manifestHash() {
    return sha256Canonical(this.toJson());
  }
}

function strings(value, what) {
  return getList(value, what).map((item) => getStr(item, what));
}

function validate(m) {
  if (!m.vote_id || !m.title) throw new InvalidManifest('vote_id and title must be non-empty');
  if (!KINDS.includes(m.kind)) throw new InvalidManifest(`unknown kind ${JSON.stringify(m.kind)}`);
  if (!(m.labels.length >= 1 && m.labels.length <= MAX_SELECTIONS)) {
    throw new InvalidManifest(`a ballot has 1 to ${MAX_SELECTIONS} selections`);
  }
  for (const constraint of m.constraints) {
    if (constraint.selections[constraint.selections.length - 1] >= m.labels.length) {
      throw new InvalidManifest('constraint refers to a selection that does not exist');
    }
  }
  // The manifest must be exactly what its kind's builder makes from its own parameters.
  const expected = rebuild(m);
  if (canonicalJsonText(m.toJson()) !== canonicalJsonText(expected)) {
    throw new InvalidManifest(`fields are inconsistent with kind ${JSON.stringify(m.kind)}`);
  }
}

function rebuild(m) {
  if (m.kind === 'selection') {
    if (m.options === null || m.items !== null || m.scale !== null) {
      throw new InvalidManifest('a selection manifest has options only');
    }
    if (m.constraints.length !== 1) {
      throw new InvalidManifest('a selection manifest has exactly one constraint');
    }
    const c = m.constraints[0];
    return selectionJson(m.vote_id, m.title, m.options, c.min, c.max);
  }
  if (m.kind === 'rating') {
    if (m.items === null || m.scale === null || m.options !== null) {
      throw new InvalidManifest('a rating manifest has items and scale only');
    }
    return ratingJson(m.vote_id, m.title, m.items, m.scale);
  }
  if (m.options !== null || m.items !== null || m.scale !== null) {
    throw new InvalidManifest('a motion manifest has no options, items or scale');
  }
  return motionJson(m.vote_id, m.title);
}

function nonemptyDistinct(values, what) {
  const list = [...values];
  if (!list.length || list.some((v) => typeof v !== 'string' || !v)) {
    throw new InvalidManifest(`${what} must be non-empty strings`);
  }
  if (new Set(list).size !== list.length) throw new InvalidManifest(`${what} must be distinct`);
  return list;
}

const range = (start, stop) => Array.from({ length: stop - start }, (_, i) => start + i);

function selectionJson(voteId, title, options, min, max) {
  const opts = nonemptyDistinct(options, 'options');
  const constraint = new Constraint(range(0, opts.length), min, max);
  return {
    vote_id: voteId, kind: 'selection', title, labels: opts,
    constraints: [constraint.toJson()], options: opts,
  };
}

function ratingJson(voteId, title, items, scale) {
  const its = nonemptyDistinct(items, 'items');
  const grades = nonemptyDistinct(scale, 'scale');
  const width = grades.length;
  return {
    vote_id: voteId, kind: 'rating', title,
    labels: its.flatMap((item) => grades.map((grade) => ratingLabel(item, grade))),
    constraints: its.map((_, i) =>
      new Constraint(range(i * width, (i + 1) * width), 0, 1).toJson()),
    items: its, scale: grades,
  };
}

function motionJson(voteId, title) {
  return {
    vote_id: voteId, kind: 'motion', title, labels: [...MOTION_LABELS],
    constraints: [new Constraint([0, 1, 2], 0, 1).toJson()],
  };
}

/** Choose between `min` and `max` of `options` (e.g. 13选10). */
export function selectionManifest(voteId, title, options, min, max) {
  return Manifest.fromJson(selectionJson(voteId, title, options, min, max));
}

/** Rate each of `items` with at most one grade of `scale` (no mark = abstain). */
export function ratingManifest(voteId, title, items, scale) {
  return Manifest.fromJson(ratingJson(voteId, title, items, scale));
}

/** Yes / no / abstain on one motion; at most one mark. */
export function motionManifest(voteId, title) {
  return Manifest.fromJson(motionJson(voteId, title));
}
