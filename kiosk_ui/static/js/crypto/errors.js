// The error tree of tally/errors.py, for the parts the browser runs. Class names match the
// Python ones exactly (test vectors name the expected class), and so does `name`:
//
//   TallyError
//   ├── InvalidEncoding          bytes/JSON that do not decode to a valid value
//   │   └── InvalidManifest      a malformed or inconsistent manifest
//   ├── InvalidProof             a zero-knowledge proof that does not verify
//   ├── InvalidBallot            a ballot failing verification or audit (.selection/.constraint)
//   └── InvalidChoices           choices an honest encryptor refuses (outside the limits)

export class TallyError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidEncoding extends TallyError {}

export class InvalidManifest extends InvalidEncoding {}

export class InvalidProof extends TallyError {}

export class InvalidChoices extends TallyError {}

export class InvalidBallot extends TallyError {
  /**
   * @param {string} reason
   * @param {{selection?: number|null, constraint?: number|null}} [where]
   *   index of the failing encrypted selection or manifest constraint; null for
   *   ballot-level failures (wrong election hash, wrong number of parts).
   */
  constructor(reason, { selection = null, constraint = null } = {}) {
    let where = '';
    if (selection !== null) where = `selection ${selection}: `;
    else if (constraint !== null) where = `constraint ${constraint}: `;
    super(where + reason);
    this.reason = reason;
    this.selection = selection;
    this.constraint = constraint;
  }
}
