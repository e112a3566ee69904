/**
 * Arithmetic in option values, as fio's `exp/expression-parser.y` and `expression-parser.l` evaluate it.
 * @packageDocumentation
 */

/** The result of {@link evaluateArithmeticExpression}: integer and floating value, as fio keeps both. */
export interface ExpressionValue {
  /** Integer value (C `long long` semantics: integer division truncates). */
  readonly ival: number;
  /** Floating value. */
  readonly dval: number;
}

interface Val {
  ival: number;
  dval: number;
  hasDval: boolean;
}

type Token =
  | { readonly kind: 'num'; readonly v: Val }
  | { readonly kind: 'suffix'; readonly v: Val }
  | { readonly kind: 'op'; readonly op: string };

const K = 1024;

/** Suffixes in the order the lexer tries them (longest first where prefixes overlap). */
function suffixValue(s: string, isTime: boolean): { len: number; v: Val } | undefined {
  const l = s.toLowerCase();
  const mk = (len: number, i: number, d: number, hasDval: boolean): { len: number; v: Val } => ({
    len,
    v: { ival: i, dval: d, hasDval },
  });
  if (l.startsWith('kib')) return mk(3, 1000, 1000, false);
  if (l.startsWith('mib')) return mk(3, 1e6, 1e6, false);
  if (l.startsWith('gib')) return mk(3, 1e9, 1e9, false);
  if (l.startsWith('pib')) return mk(3, 1e12, 1e12, false);
  if (l.startsWith('kb')) return mk(2, K, K, false);
  if (l.startsWith('mb')) return mk(2, K * K, K * K, false);
  if (l.startsWith('ms')) return mk(2, 1000, 1000, true);
  if (l.startsWith('us')) return mk(2, 1, 1, true);
  if (l.startsWith('gb')) return mk(2, K ** 3, K ** 3, false);
  if (l.startsWith('tb')) return mk(2, K ** 4, K ** 5, false);
  if (l.startsWith('pb')) return mk(2, K ** 5, K ** 5, false);
  switch (l.charAt(0)) {
    case 'k':
      return mk(1, K, K, false);
    case 'g':
      return mk(1, K ** 3, K ** 3, false);
    case 't':
      return mk(1, K ** 4, K ** 5, false);
    case 'p':
      return mk(1, K ** 5, K ** 5, false);
    case 's':
      return mk(1, 1e6, 1e6, false);
    case 'm':
      return isTime ? mk(1, 60e6, 60e6, false) : mk(1, K * K, K * K, false);
    case 'd':
      return mk(1, 86400e6, 86400e6, false);
    case 'h':
      return mk(1, 3600e6, 3600e6, false);
    default:
      return undefined;
  }
}

function lex(src: string, isTime: boolean): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src.charAt(i);
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '#' || ch === ':' || ch === ',') break;
    const rest = src.slice(i);
    const f = /^([0-9]*\.[0-9]+|[0-9]*\.?[0-9]+[eE][-+]*[0-9]+)/.exec(rest);
    const hex = /^0x[0-9a-fA-F]+/.exec(rest);
    const int = /^[0-9]+/.exec(rest);
    // flex picks the longest match; on a tie, the earlier rule (float, then hex, then int).
    const cands: [number, Token][] = [];
    if (f) {
      const d = Number(f[0]);
      cands.push([f[0].length, { kind: 'num', v: { ival: Math.trunc(d), dval: d, hasDval: true } }]);
    }
    if (hex) {
      const v = parseInt(hex[0].slice(2), 16) | 0;
      cands.push([hex[0].length, { kind: 'num', v: { ival: v, dval: v, hasDval: false } }]);
    }
    if (int) {
      const v = parseInt(int[0], 10) | 0;
      cands.push([int[0].length, { kind: 'num', v: { ival: v, dval: v, hasDval: false } }]);
    }
    if (cands.length > 0) {
      let best = cands[0] as [number, Token];
      for (const c of cands) if (c[0] > best[0]) best = c;
      out.push(best[1]);
      i += best[0];
      continue;
    }
    const suf = suffixValue(rest, isTime);
    if (suf) {
      out.push({ kind: 'suffix', v: suf.v });
      i += suf.len;
      continue;
    }
    if ('+-*/%^()'.includes(ch)) {
      out.push({ kind: 'op', op: ch });
      i++;
      continue;
    }
    return undefined;
  }
  return out;
}

class ExprParser {
  private pos = 0;
  unitsSpecified = false;
  error = false;

  constructor(private readonly toks: readonly Token[]) {}

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  /** Precedence climbing: `+ -` 1, suffix 2, `* /` 3, `^` 4 (right), `%` 5, unary minus 6. */
  expression(minPrec: number): Val {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t === undefined) return left;
      if (t.kind === 'suffix') {
        if (minPrec > 2) return left;
        this.pos++;
        left = this.applySuffix(left, t.v);
        continue;
      }
      if (t.kind !== 'op') {
        this.error = true;
        return left;
      }
      const prec = binPrec(t.op);
      if (prec === 0 || prec < minPrec) return left;
      this.pos++;
      const right = this.expression(t.op === '^' ? prec : prec + 1);
      left = this.binary(t.op, left, right);
    }
  }

  private unary(): Val {
    const t = this.peek();
    if (t === undefined) {
      this.error = true;
      return { ival: 0, dval: 0, hasDval: false };
    }
    this.pos++;
    if (t.kind === 'num') return { ...t.v };
    if (t.kind === 'op' && t.op === '-') {
      const v = this.expression(6);
      return { ival: -v.ival, dval: -v.dval, hasDval: v.hasDval };
    }
    if (t.kind === 'op' && t.op === '(') {
      const v = this.expression(1);
      const c = this.peek();
      if (c?.kind === 'op' && c.op === ')') this.pos++;
      else this.error = true;
      return v;
    }
    this.error = true;
    return { ival: 0, dval: 0, hasDval: false };
  }

  private applySuffix(a: Val, s: Val): Val {
    this.unitsSpecified = true;
    const fractional = a.hasDval || s.hasDval;
    return {
      ival: !fractional ? a.ival * s.ival : Math.trunc(a.dval) * s.dval,
      dval: fractional ? a.dval * s.dval : a.ival * s.ival,
      hasDval: a.hasDval,
    };
  }

  private binary(op: string, a: Val, b: Val): Val {
    const anyD = a.hasDval || b.hasDval;
    switch (op) {
      case '+':
        return {
          ival: !anyD ? a.ival + b.ival : Math.trunc(a.dval + b.dval),
          dval: a.dval + b.dval,
          hasDval: a.hasDval,
        };
      case '-':
        return {
          ival: !anyD ? a.ival - b.ival : Math.trunc(a.dval - b.dval),
          dval: a.dval - b.dval,
          hasDval: a.hasDval,
        };
      case '*':
        return {
          ival: !anyD ? a.ival * b.ival : Math.trunc(a.dval * b.dval),
          dval: a.dval * b.dval,
          hasDval: a.hasDval,
        };
      case '/': {
        if (b.ival === 0 && !anyD) this.error = true;
        if (Math.abs(b.dval) < 1e-20) this.error = true;
        const dval = a.dval / b.dval;
        const ival = anyD ? Math.trunc(dval) : b.ival === 0 ? 0 : Math.trunc(a.ival / b.ival);
        return { ival, dval, hasDval: a.hasDval };
      }
      case '%': {
        if (anyD || b.ival === 0) this.error = true;
        const ival = b.ival === 0 ? 0 : a.ival % b.ival;
        return { ival, dval: ival, hasDval: a.hasDval };
      }
      default: {
        // '^'
        const dval = a.dval ** b.dval;
        let ival: number;
        if (anyD) ival = Math.trunc(dval);
        else if (b.ival >= 0) ival = a.ival ** b.ival;
        else ival = Math.trunc(a.ival ** b.ival);
        return { ival, dval, hasDval: a.hasDval };
      }
    }
  }
}

function binPrec(op: string): number {
  switch (op) {
    case '+':
    case '-':
      return 1;
    case '*':
    case '/':
      return 3;
    case '^':
      return 4;
    case '%':
      return 5;
    default:
      return 0;
  }
}

/**
 * Models `evaluate_arithmetic_expression()` (exp/expression-parser.y): `+ - * / % ^`, parentheses, numbers
 * (integer, hex, float) with unit suffixes (`k`, `m`, `g`, `ms`, `us`, `s`, `h`, `d`, `kib`…). With no unit in
 * the expression, the result is multiplied by `impliedUnits` (1 000 000 for seconds-valued options).
 * @param src - the expression text, usually starting with `(`
 * @param impliedUnits - factor applied when no unit suffix appeared
 * @param isTime - `m` means minutes (true) or mebibytes (false)
 * @returns the value, or undefined on a syntax error or a division by zero
 */
export function evaluateArithmeticExpression(
  src: string,
  impliedUnits: number,
  isTime: boolean,
): ExpressionValue | undefined {
  const toks = lex(src, isTime);
  if (toks === undefined || toks.length === 0) return undefined;
  const p = new ExprParser(toks);
  const v = p.expression(1);
  if (p.error || !p.done()) return undefined;
  if (!p.unitsSpecified) return { ival: Math.trunc(v.ival * impliedUnits), dval: v.dval * impliedUnits };
  return { ival: v.ival, dval: v.dval };
}
