/**
 * A small reader of Verity's SQL for test/schema-distribution.test.ts: what a distributed
 * engine (PostgreSQL with Citus, every table distributed by workspace_id; docs/scaling.md)
 * needs to send a statement to one shard. Two readers:
 *
 * - `readSchema`: the tables, columns, keys and indexes that the migrations' statements
 *   leave behind (CREATE TABLE, ALTER TABLE ... ADD COLUMN / RENAME TO, DROP TABLE, CREATE
 *   INDEX), from their text as the PostgreSQL dialect writes it.
 * - `checkWorkspaceSql`: a statement's reads of distributed tables. Every read must be tied
 *   to the workspace (`x.workspace_id = $n` with the workspace's value bound to $n, or an
 *   equality with the workspace_id of a read that is), and every join of two relations that
 *   both carry a workspace_id must match them (`a.workspace_id = b.workspace_id` or
 *   `USING (workspace_id, ...)`). A CTE or subquery counts as carrying a workspace_id when
 *   it selects one; its own reads are checked where it is written.
 *
 * Not a full SQL parser: it reads the shapes Verity writes (WITH, set operations, SELECT
 * with FROM items, joins, LATERAL, subqueries in any expression) and fails loudly on what
 * it does not know, so a new construct is taught to it rather than passed over.
 */

export type Token = { kind: "word" | "string" | "number" | "param" | "op"; text: string; quoted?: boolean };
export type Group = { kind: "group"; open: "(" | "["; items: Node[] };
export type Node = Token | Group;

/** Splits SQL into tokens, leaving out comments; unquoted words in lower case. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const patterns: [Token["kind"] | "space" | "comment" | "quoted", RegExp][] = [
    ["space", /\s+/y],
    ["comment", /--[^\n]*|\/\*[\s\S]*?\*\//y],
    ["string", /[eE]?'(?:[^']|'')*'/y],
    ["quoted", /"(?:[^"]|"")*"/y],
    ["param", /\$\d+/y],
    ["word", /[A-Za-z_][A-Za-z0-9_$]*/y],
    ["number", /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y],
    ["op", /::|<>|!=|<=|>=|\|\||->>|->|=>|[-+*/%<>=.,;()[\]^~!@#&|:{}]/y],
  ];
  let at = 0;
  outer: while (at < text.length) {
    for (const [kind, pattern] of patterns) {
      pattern.lastIndex = at;
      const match = pattern.exec(text);
      if (!match) continue;
      at = pattern.lastIndex;
      const word = match[0];
      if (kind === "space" || kind === "comment") continue outer;
      if (kind === "quoted") tokens.push({ kind: "word", text: word.slice(1, -1).replaceAll('""', '"'), quoted: true });
      else tokens.push({ kind, text: kind === "word" ? word.toLowerCase() : word });
      continue outer;
    }
    throw new Error(`cannot read the SQL at ${JSON.stringify(text.slice(at, at + 30))}`);
  }
  return tokens;
}

/** Nests the tokens by their parentheses and brackets. */
export function nest(tokens: readonly Token[]): Node[] {
  const root: Group = { kind: "group", open: "(", items: [] };
  const stack: Group[] = [root];
  for (const token of tokens) {
    const top = stack.at(-1) as Group;
    if (token.kind === "op" && (token.text === "(" || token.text === "[")) {
      const group: Group = { kind: "group", open: token.text, items: [] };
      top.items.push(group);
      stack.push(group);
    } else if (token.kind === "op" && (token.text === ")" || token.text === "]")) {
      if (stack.length === 1 || top.open !== (token.text === ")" ? "(" : "["))
        throw new Error(`unbalanced ${token.text}`);
      stack.pop();
    } else top.items.push(token);
  }
  if (stack.length !== 1) throw new Error("unbalanced parentheses");
  return root.items;
}

const isGroup = (node: Node | undefined): node is Group => node?.kind === "group";
const isWord = (node: Node | undefined, ...words: string[]): boolean =>
  node !== undefined && node.kind === "word" && !node.quoted && (words.length === 0 || words.includes(node.text));
const isOp = (node: Node | undefined, op: string): boolean => node?.kind === "op" && node.text === op;
const isQuery = (group: Group): boolean => isWord(group.items[0], "select", "with", "values") || startsQuery(group);
/** `((SELECT ...) UNION (SELECT ...))`: a group whose first element is itself a query. */
const startsQuery = (group: Group): boolean => {
  const first = group.items[0];
  return (
    isGroup(first) && isQuery(first) && group.items.length > 1 && isWord(group.items[1], "union", "except", "intersect")
  );
};

/** Words that end a FROM item or cannot be an alias. */
const RESERVED = new Set(
  "on using join inner left right full cross natural outer where group order having limit offset window qualify fetch union except intersect select from lateral as with returning set values".split(
    " ",
  ),
);

/** Splits `nodes` at top-level commas. */
function splitCommas(nodes: readonly Node[]): Node[][] {
  const parts: Node[][] = [[]];
  for (const node of nodes) {
    if (isOp(node, ",")) parts.push([]);
    else parts.at(-1)?.push(node);
  }
  return parts.filter((part) => part.length > 0);
}

/** The relation a FROM item names. */
type Item = {
  alias: string;
  /** The table, CTE or function it reads; `(subquery)` for a derived table. */
  source: string;
  /** A table distributed by workspace_id: its reads must be tied to the workspace. */
  distributed: boolean;
  /** It has a workspace_id column (a table that has one, or a query that selects one). */
  carries: boolean;
  /** How it is joined to the items before it. */
  join: "first" | "comma" | "inner" | "left" | "right" | "full" | "cross";
  on: Node[];
  using: string[];
  lateral: boolean;
  body: Group | null;
};

type Scope = { items: Item[]; pinned: Set<Item>; parent: Scope | null };
type Env = { ctes: ReadonlyMap<string, boolean>; scope: Scope | null };

/** What the checker knows: the schema's tables and which bound value is the workspace. */
export type CheckOptions = {
  /** Tables distributed by workspace_id (each has the column). */
  distributed: ReadonlySet<string>;
  /** Every other table (reference or local: read freely). */
  other: ReadonlySet<string>;
  /** Whether bound parameter n (1-based) holds the workspace. */
  isWorkspaceParam: (n: number) => boolean;
};

/** What a statement was found to do. */
export type CheckResult = {
  /** What would keep it from running on the workspace's shard alone (none: it can). */
  findings: string[];
  /** The distributed tables it reads, once per read. */
  reads: string[];
  /** Joins of two workspace relations matched on workspace_id. */
  matchedJoins: number;
};

/** Checks one statement. */
export function checkWorkspaceSql(sql: string, options: CheckOptions): CheckResult {
  const checker = new Checker(options);
  let nodes = nest(tokenize(sql));
  if (isOp(nodes.at(-1), ";")) nodes = nodes.slice(0, -1);
  checker.query(nodes, { ctes: new Map(), scope: null });
  return { findings: checker.findings, reads: checker.reads, matchedJoins: checker.matchedJoins };
}

type Operand = { param: number } | { alias: string | null; column: string } | null;

class Checker {
  readonly findings: string[] = [];
  readonly reads: string[] = [];
  matchedJoins = 0;
  constructor(private readonly options: CheckOptions) {}

  /** A query (WITH, set operations, ORDER BY/LIMIT); returns whether it selects a workspace_id. */
  query(nodes: readonly Node[], env: Env): boolean {
    let at = 0;
    const ctes = new Map(env.ctes);
    if (isWord(nodes[0], "with")) {
      const recursive = isWord(nodes[1], "recursive");
      at = recursive ? 2 : 1;
      for (;;) {
        const name = nodes[at];
        if (!isWord(name)) throw new Error("a CTE without a name");
        at += 1;
        let columns: string[] | null = null;
        const maybeColumns = nodes[at];
        if (isGroup(maybeColumns)) {
          columns = splitCommas(maybeColumns.items).map((part) => (part[0] as Token).text);
          at += 1;
        }
        if (!isWord(nodes[at], "as")) throw new Error(`CTE ${(name as Token).text}: AS expected`);
        at += 1;
        if (isWord(nodes[at], "not")) at += 1;
        if (isWord(nodes[at], "materialized")) at += 1;
        const body = nodes[at];
        if (!isGroup(body)) throw new Error(`CTE ${(name as Token).text}: its query expected`);
        at += 1;
        // A recursive CTE reads itself: known (without a workspace_id so far) in its own body.
        if (recursive) ctes.set((name as Token).text, columns ? columns.includes("workspace_id") : false);
        const selects = this.query(body.items, { ctes, scope: env.scope });
        ctes.set((name as Token).text, columns ? columns.includes("workspace_id") : selects);
        if (!isOp(nodes[at], ",")) break;
        at += 1;
      }
    }
    // Set operations: each branch checked; the first names the columns.
    const branches: Node[][] = [[]];
    for (const node of nodes.slice(at)) {
      if (isWord(node, "union", "except", "intersect")) branches.push([]);
      else branches.at(-1)?.push(node);
    }
    let carries: boolean | null = null;
    for (let branch of branches) {
      if (isWord(branch[0], "all", "distinct")) branch = branch.slice(1);
      const head = branch[0];
      let selects: boolean;
      if (isGroup(head) && isQuery(head)) {
        selects = this.query(head.items, { ctes, scope: env.scope });
        this.expressions(branch.slice(1), { ctes, scope: env.scope });
      } else if (isWord(head, "select")) selects = this.select(branch, { ctes, scope: env.scope });
      else if (isWord(head, "values")) {
        selects = false;
        this.expressions(branch.slice(1), { ctes, scope: env.scope });
      } else throw new Error(`not a query: ${describe(branch.slice(0, 3))}`);
      carries ??= selects;
    }
    return carries ?? false;
  }

  /** One SELECT: its FROM items, what ties each to the workspace, its joins and subqueries. */
  select(nodes: readonly Node[], env: Env): boolean {
    const clauses = clausesOf(nodes);
    const items = this.fromItems(clauses.from ?? [], env);
    const scope: Scope = { items, pinned: new Set(), parent: env.scope };
    const inner = { ctes: env.ctes, scope };
    const where = conjuncts(clauses.where ?? []);
    // `WHERE FALSE AND ...` reads no row of any item: nothing to route (Citus prunes every
    // shard of a contradiction). Verity writes it for an empty span of rollup months.
    if (where.some((term) => term.length === 1 && isWord(term[0], "false"))) {
      for (const item of items) scope.pinned.add(item);
    }
    this.pin(scope, where);
    // A LATERAL subquery sees the items before it (tied to the workspace or not by now); what
    // it selects may tie more items in turn.
    const laterals = items.filter((item) => item.body && item.lateral);
    for (const item of laterals) item.carries = this.query((item.body as Group).items, inner);
    if (laterals.length > 0) this.pin(scope, where);
    for (const item of items) {
      if (item.distributed && !scope.pinned.has(item)) {
        this.findings.push(`${item.source} ${item.alias} is read without being tied to the workspace`);
      }
    }
    this.joins(scope, where);
    for (const item of items) this.expressions(item.on, inner);
    for (const clause of [clauses.list, clauses.where, clauses.rest]) this.expressions(clause ?? [], inner);
    return this.selectsWorkspace(clauses.list ?? [], items);
  }

  /** Checks every subquery inside expressions (scalar, IN, EXISTS, ARRAY(...)). */
  expressions(nodes: readonly Node[], env: Env): void {
    for (const node of nodes) {
      if (!isGroup(node)) continue;
      if (isQuery(node)) this.query(node.items, env);
      else this.expressions(node.items, env);
    }
  }

  /** The FROM clause's items, in order, with their join conditions. */
  fromItems(nodes: readonly Node[], env: Env): Item[] {
    const items: Item[] = [];
    let join: Item["join"] = "first";
    let at = 0;
    while (at < nodes.length) {
      const lateral = isWord(nodes[at], "lateral");
      if (lateral) at += 1;
      const head = nodes[at];
      let source: string;
      let body: Group | null = null;
      let distributed = false;
      let carries = false;
      if (isGroup(head)) {
        if (!isQuery(head)) throw new Error("a parenthesised join in FROM: not supported by this checker");
        body = head;
        source = "(subquery)";
        at += 1;
        if (!lateral) carries = this.query(head.items, env);
      } else if (isWord(head)) {
        source = (head as Token).text;
        at += 1;
        if (isOp(nodes[at], ".")) {
          source = (nodes[at + 1] as Token).text;
          at += 2;
        }
        if (isGroup(nodes[at])) {
          // A function in FROM (unnest, generate_series, range): no table read, but its
          // arguments may hold subqueries.
          this.expressions([nodes[at] as Group], env);
          at += 1;
          if (isWord(nodes[at], "with") && isWord(nodes[at + 1], "ordinality")) at += 2;
        } else if (env.ctes.has(source)) carries = env.ctes.get(source) === true;
        else if (this.options.distributed.has(source)) {
          this.reads.push(source);
          distributed = true;
          carries = true;
        } else if (!this.options.other.has(source)) {
          this.findings.push(`reads ${source}, which is no table of the schema`);
        }
      } else throw new Error(`a FROM item expected at ${describe(nodes.slice(at, at + 3))}`);
      let alias = source;
      if (isWord(nodes[at], "as")) at += 1;
      const maybeAlias = nodes[at];
      if (isWord(maybeAlias) && !RESERVED.has((maybeAlias as Token).text)) {
        alias = (maybeAlias as Token).text;
        at += 1;
        const columns = nodes[at];
        if (isGroup(columns)) {
          // Column aliases rename what the item gives: it carries a workspace_id only if named so.
          const names = splitCommas(columns.items).map((part) => (part[0] as Token).text);
          carries = names.includes("workspace_id");
          at += 1;
        }
      } else if (isWord(maybeAlias, "as")) throw new Error("AS without an alias");
      const item: Item = { alias, source, distributed, carries, join, on: [], using: [], lateral, body };
      if (isWord(nodes[at], "on")) {
        at += 1;
        const start = at;
        while (at < nodes.length && !isOp(nodes[at], ",") && joinAt(nodes, at) === null) at += 1;
        item.on = nodes.slice(start, at);
      } else if (isWord(nodes[at], "using")) {
        const columns = nodes[at + 1];
        if (!isGroup(columns)) throw new Error("USING without columns");
        item.using = splitCommas(columns.items).map((part) => (part[0] as Token).text);
        at += 2;
      }
      items.push(item);
      if (at >= nodes.length) break;
      if (isOp(nodes[at], ",")) {
        join = "comma";
        at += 1;
        continue;
      }
      const next = joinAt(nodes, at);
      if (next === null) throw new Error(`cannot read FROM at ${describe(nodes.slice(at, at + 4))}`);
      join = next.join;
      at = next.after;
    }
    return items;
  }

  /** Which items are tied to the workspace, from the WHERE and ON conditions, to a fixed point. */
  pin(scope: Scope, where: readonly Node[][]): void {
    // Conditions and the items they may restrict: WHERE restricts every item; an inner join's
    // ON too; an outer join's ON only the side it makes nullable.
    const sources: { conditions: Node[][]; restricts: (item: Item) => boolean }[] = [
      { conditions: [...where], restricts: () => true },
    ];
    scope.items.forEach((item, index) => {
      const conditions = conjuncts(item.on);
      const left = (other: Item) => scope.items.indexOf(other) < index;
      if (item.join === "inner" || item.join === "cross" || item.join === "comma") {
        sources.push({ conditions, restricts: (other) => other === item || left(other) });
      } else if (item.join === "left") sources.push({ conditions, restricts: (other) => other === item });
      else if (item.join === "right") sources.push({ conditions, restricts: left });
    });
    // A derived table or CTE that selects a workspace_id carries its own reads' workspace:
    // those reads are checked where the query is written.
    for (const item of scope.items) if (item.carries && !item.distributed) scope.pinned.add(item);
    let changed = true;
    while (changed) {
      changed = false;
      for (const { conditions, restricts } of sources) {
        for (const condition of conditions) {
          for (const [a, b] of this.workspaceEqualities(condition, scope)) {
            for (const [target, other] of [
              [a, b],
              [b, a],
            ]) {
              if (target === "workspace" || target === undefined || scope.pinned.has(target)) continue;
              if (!scope.items.includes(target) || !restricts(target)) continue;
              if (other === "workspace" || (other !== undefined && isPinned(other, scope))) {
                scope.pinned.add(target);
                changed = true;
              }
            }
          }
        }
      }
      scope.items.forEach((item, index) => {
        if (scope.pinned.has(item) || !item.using.includes("workspace_id")) return;
        const partner = scope.items.slice(0, index).find((other) => other.carries && scope.pinned.has(other));
        if (partner && (item.join === "inner" || item.join === "left")) {
          scope.pinned.add(item);
          changed = true;
        }
      });
    }
  }

  /**
   * Each join that relates two relations carrying a workspace_id must match them on it. A
   * join relates the item it adds to the items before it that its ON (or USING) names; a
   * comma or CROSS join, to those a WHERE term names beside it. A join that relates the item
   * only to relations without a workspace_id (a CTE that kept none) needs no match: the
   * item is then tied to the workspace by the bound workspace itself (see pin).
   */
  joins(scope: Scope, where: readonly Node[][]): void {
    scope.items.forEach((item, index) => {
      if (index === 0 || !item.carries) return;
      const before = scope.items.slice(0, index);
      const carriers = before.filter((other) => other.carries);
      if (carriers.length === 0) return;
      if (item.using.includes("workspace_id")) {
        this.matchedJoins += 1;
        return;
      }
      const terms = [...conjuncts(item.on)];
      const named = new Set(item.using.length > 0 ? carriers : itemsNamed(item.on, before));
      if (item.join === "inner" || item.join === "cross" || item.join === "comma") {
        for (const term of where) {
          const names = itemsNamed(term, scope.items);
          if (!names.includes(item)) continue;
          terms.push(term);
          for (const other of names) if (before.includes(other)) named.add(other);
        }
      }
      const related = [...named].filter((other) => other.carries);
      if (related.length === 0) return;
      const matched = terms.some((term) =>
        this.workspaceEqualities(term, scope).some(
          ([a, b]) => (a === item && carriers.includes(b as Item)) || (b === item && carriers.includes(a as Item)),
        ),
      );
      if (matched) this.matchedJoins += 1;
      else {
        this.findings.push(
          `${item.source} ${item.alias} is joined to ${related.map((b) => `${b.source} ${b.alias}`).join(", ")} without matching workspace_id`,
        );
      }
    });
  }

  /**
   * The workspace equalities of one condition: `x.workspace_id = $n` (the workspace bound to
   * $n) gives [x, "workspace"]; `x.workspace_id = y.workspace_id` gives [x, y]. Items are
   * looked up in this scope, then the enclosing ones (a correlated subquery).
   */
  workspaceEqualities(condition: readonly Node[], scope: Scope): [Item | "workspace", Item | "workspace"][] {
    const equals = condition.findIndex((node) => isOp(node, "="));
    if (equals < 0 || condition.findIndex((node, i) => i > equals && isOp(node, "=")) >= 0) return [];
    const sides = [operand(condition.slice(0, equals)), operand(condition.slice(equals + 1))].map(
      (side): Item | "workspace" | null => {
        if (side === null) return null;
        if ("param" in side) return this.options.isWorkspaceParam(side.param) ? "workspace" : null;
        if (side.column !== "workspace_id") return null;
        return resolve(side.alias, scope);
      },
    );
    const [a, b] = sides;
    if (!a || !b || (a === "workspace" && b === "workspace")) return [];
    return [[a, b]];
  }

  /** Whether the select list gives a column named workspace_id. */
  selectsWorkspace(list: readonly Node[], items: readonly Item[]): boolean {
    let nodes = list.slice(1);
    if (isWord(nodes[0], "distinct")) nodes = isWord(nodes[1], "on") ? nodes.slice(3) : nodes.slice(1);
    else if (isWord(nodes[0], "all")) nodes = nodes.slice(1);
    return splitCommas(nodes).some((expr) => {
      if (expr.length === 1 && isOp(expr[0], "*")) return items.some((item) => item.carries);
      if (expr.length === 3 && isOp(expr[1], ".") && isOp(expr[2], "*")) {
        return items.some((item) => item.alias === (expr[0] as Token).text && item.carries);
      }
      return outputName(expr) === "workspace_id";
    });
  }
}

/** The name a select-list expression gives its column (its alias, or the column it is). */
function outputName(expr: readonly Node[]): string | null {
  const last = expr.at(-1);
  if (!isWord(last)) return null;
  const before = expr.at(-2);
  if (expr.length === 1 || isOp(before, ".") || isWord(before, "as")) return (last as Token).text;
  // An alias without AS: `count(*) n`, `x.y z`.
  if ((isGroup(before) || isWord(before)) && !RESERVED.has((last as Token).text)) {
    if (!isWord(last, "end", "null", "true", "false")) return (last as Token).text;
  }
  return null;
}

/** The items among `items` whose columns `nodes` name as `alias.column` (in any depth). */
function itemsNamed(nodes: readonly Node[], items: readonly Item[]): Item[] {
  const found = new Set<Item>();
  const walk = (list: readonly Node[]) => {
    list.forEach((node, i) => {
      if (isGroup(node)) walk(node.items);
      else if (isWord(node) && isOp(list[i + 1], ".") && isWord(list[i + 2])) {
        const item = items.find((candidate) => candidate.alias === node.text);
        if (item) found.add(item);
      }
    });
  };
  walk(nodes);
  return [...found];
}

function isPinned(item: Item, scope: Scope | null): boolean {
  for (let s = scope; s; s = s.parent) if (s.items.includes(item)) return s.pinned.has(item);
  return false;
}

/** The item a column of `alias` (or an unqualified workspace_id) belongs to. */
function resolve(alias: string | null, scope: Scope | null): Item | null {
  for (let s = scope; s; s = s.parent) {
    if (alias !== null) {
      const item = s.items.find((candidate) => candidate.alias === alias);
      if (item) return item;
      continue;
    }
    const carriers = s.items.filter((candidate) => candidate.carries);
    if (carriers.length === 1) return carriers[0] as Item;
    if (carriers.length > 1) return null;
  }
  return null;
}

/** `$n`, `CAST($n AS TEXT)`, `x.col` or `col`; anything else is null. */
function operand(nodes: readonly Node[]): Operand {
  const [first, second, third] = nodes;
  if (nodes.length === 1 && first?.kind === "param") return { param: Number(first.text.slice(1)) };
  if (nodes.length === 2 && isWord(first, "cast") && isGroup(second)) {
    const inner = second.items[0];
    if (inner?.kind === "param" && isWord(second.items[1], "as")) return { param: Number(inner.text.slice(1)) };
  }
  if (nodes.length === 1 && isWord(first)) return { alias: null, column: (first as Token).text };
  if (nodes.length === 3 && isWord(first) && isOp(second, ".") && isWord(third)) {
    return { alias: (first as Token).text, column: (third as Token).text };
  }
  return null;
}

/** The parts of a SELECT: its list, FROM, WHERE and everything after. */
function clausesOf(nodes: readonly Node[]): { list?: Node[]; from?: Node[]; where?: Node[]; rest?: Node[] } {
  const at = (word: string, from = 0) =>
    nodes.findIndex((node, i) => i >= from && isWord(node, word) && isClause(nodes, i));
  const ends = ["group", "having", "window", "qualify", "order", "limit", "offset", "fetch"]
    .map((word) => at(word))
    .filter((i) => i >= 0);
  const rest = ends.length > 0 ? Math.min(...ends) : nodes.length;
  const from = at("from");
  const where = at("where");
  const listEnd = [from, where, rest].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? nodes.length;
  return {
    list: nodes.slice(0, listEnd),
    ...(from >= 0 ? { from: nodes.slice(from + 1, where >= 0 ? where : rest) } : {}),
    ...(where >= 0 ? { where: nodes.slice(where + 1, rest) } : {}),
    rest: nodes.slice(rest),
  };
}

/** Whether the word at `i` starts a clause (not `IS DISTINCT FROM`, `WITHIN GROUP`, ...). */
function isClause(nodes: readonly Node[], i: number): boolean {
  const node = nodes[i] as Token;
  if (node.text === "from") return !(isWord(nodes[i - 1], "distinct") && isWord(nodes[i - 2], "is", "not"));
  if (node.text === "group" || node.text === "order") return isWord(nodes[i + 1], "by");
  return true;
}

/** A join starting at `at` (`LEFT OUTER JOIN`, `CROSS JOIN`, `JOIN`, ...): its kind and what follows it. */
function joinAt(nodes: readonly Node[], at: number): { join: Item["join"]; after: number } | null {
  let i = at;
  if (isWord(nodes[i], "natural")) throw new Error("NATURAL JOIN: name the columns instead");
  let join: Item["join"] = "inner";
  if (isWord(nodes[i], "inner")) i += 1;
  else if (isWord(nodes[i], "left", "right", "full")) {
    join = (nodes[i] as Token).text as Item["join"];
    i += 1;
    if (isWord(nodes[i], "outer")) i += 1;
  } else if (isWord(nodes[i], "cross")) {
    join = "cross";
    i += 1;
  }
  return isWord(nodes[i], "join") ? { join, after: i + 1 } : null;
}

/**
 * A condition's top-level AND terms (a term that is a parenthesised condition is split in
 * turn). An OR keeps its term whole: `a = $1 OR b = 2` ties nothing.
 */
export function conjuncts(nodes: readonly Node[]): Node[][] {
  const terms: Node[][] = [[]];
  let between = 0;
  let cases = 0;
  for (const node of nodes) {
    if (isWord(node, "between")) between += 1;
    if (isWord(node, "case")) cases += 1;
    if (isWord(node, "end") && cases > 0) cases -= 1;
    if (isWord(node, "and") && cases === 0) {
      if (between > 0) between -= 1;
      else {
        terms.push([]);
        continue;
      }
    }
    terms.at(-1)?.push(node);
  }
  return terms
    .filter((term) => term.length > 0)
    .flatMap((term) => {
      const only = term[0];
      return term.length === 1 && isGroup(only) && !isQuery(only) ? conjuncts(only.items) : [term];
    });
}

function describe(nodes: readonly Node[]): string {
  return nodes.map((node) => (isGroup(node) ? "(...)" : node.text)).join(" ");
}

/** A table as the migrations leave it. */
export type TableShape = {
  columns: string[];
  notNull: Set<string>;
  primaryKey: string[] | null;
  unique: string[][];
  /** Secondary indexes: their columns (an expression as its text), and whether unique. */
  indexes: { name: string; columns: string[]; unique: boolean }[];
  /** Foreign keys: the columns and the table and columns they reference. */
  references: { columns: string[]; table: string; target: string[] }[];
};

/**
 * The schema the statements leave, read from their text: CREATE TABLE (column and table
 * constraints), ALTER TABLE ADD COLUMN / RENAME TO, DROP TABLE, CREATE [UNIQUE] INDEX.
 * Anything else that changes a table's shape (ALTER COLUMN, DROP COLUMN, ADD CONSTRAINT)
 * is refused, so that this reader is taught about it before it goes unnoticed.
 */
export function readSchema(statements: readonly string[]): Map<string, TableShape> {
  const tables = new Map<string, TableShape>();
  const table = (name: string): TableShape => {
    const found = tables.get(name);
    if (!found) throw new Error(`a statement names table ${name}, which does not exist then`);
    return found;
  };
  const names = (group: Node | undefined): string[] => {
    if (!isGroup(group)) throw new Error("a column list expected");
    return splitCommas(group.items).map((part) => part.map((node) => (isGroup(node) ? "(...)" : node.text)).join(""));
  };
  for (const statement of statements) {
    const nodes = nest(tokenize(statement));
    const [a, b, c] = nodes;
    if (isWord(a, "create") && isWord(b, "table")) {
      let at = 2;
      if (isWord(nodes[at], "if")) at += 3;
      const name = (nodes[at] as Token).text;
      const body = nodes[at + 1];
      if (!isGroup(body)) throw new Error(`CREATE TABLE ${name}: columns expected`);
      const shape: TableShape = {
        columns: [],
        notNull: new Set(),
        primaryKey: null,
        unique: [],
        indexes: [],
        references: [],
      };
      for (const part of splitCommas(body.items)) {
        const head = part[0] as Token;
        if (isWord(head, "primary")) shape.primaryKey = names(part[2]);
        else if (isWord(head, "unique")) shape.unique.push(names(part[1]));
        else if (isWord(head, "foreign")) {
          shape.references.push({ columns: names(part[2]), table: (part[4] as Token).text, target: names(part[5]) });
        } else if (isWord(head, "constraint", "check", "exclude")) {
          throw new Error(`CREATE TABLE ${name}: ${head.text} constraints are not read by this checker`);
        } else {
          shape.columns.push(head.text);
          part.forEach((node, i) => {
            if (isWord(node, "primary") && isWord(part[i + 1], "key")) shape.primaryKey = [head.text];
            if (isWord(node, "unique")) shape.unique.push([head.text]);
            if (isWord(node, "not") && isWord(part[i + 1], "null")) shape.notNull.add(head.text);
            if (isWord(node, "references")) {
              const target = part[i + 2];
              shape.references.push({
                columns: [head.text],
                table: (part[i + 1] as Token).text,
                target: isGroup(target) ? names(target) : [],
              });
            }
          });
        }
      }
      for (const key of [shape.primaryKey ?? [], ...shape.unique]) for (const column of key) shape.notNull.add(column);
      tables.set(name, shape);
    } else if (isWord(a, "create") && (isWord(b, "index") || (isWord(b, "unique") && isWord(c, "index")))) {
      const unique = isWord(b, "unique");
      const on = nodes.findIndex((node) => isWord(node, "on"));
      const name = (nodes[on - 1] as Token).text;
      table((nodes[on + 1] as Token).text).indexes.push({ name, columns: names(nodes[on + 2]), unique });
    } else if (isWord(a, "alter") && isWord(b, "table")) {
      const name = (c as Token).text;
      const [verb, what, target] = nodes.slice(3);
      if (isWord(verb, "add") && isWord(what, "column")) table(name).columns.push((target as Token).text);
      else if (isWord(verb, "rename") && isWord(what, "to")) {
        tables.set((target as Token).text, table(name));
        tables.delete(name);
      } else throw new Error(`ALTER TABLE ${name} ${describe(nodes.slice(3, 5))}: not read by this checker`);
    } else if (isWord(a, "drop") && isWord(b, "table")) {
      tables.delete((c as Token).text);
    } else if (isWord(a, "drop") || (isWord(a, "create") && !isWord(b, "temp", "temporary"))) {
      throw new Error(`${describe(nodes.slice(0, 3))}: not read by this checker`);
    }
    // INSERT, UPDATE, DELETE (backfills) change rows, not the schema.
  }
  return tables;
}
