/**
 * A campaign's subject and bodies with merge fields, and their links.
 *
 * Merge fields: `{{first_name}}`, `{{last_name}}`, `{{name}}` (first and last), `{{company}}`,
 * `{{email}}`, each with an optional fallback for a contact without it
 * (`{{first_name|there}}`), and `{{unsubscribe_url}}`. In the HTML body values are
 * HTML-escaped. A field Verity does not know is an error naming it and its line, found when
 * the campaign is created, never at send time.
 *
 * Links: every http(s) link of the HTML body (`href="..."`) and of the text body (a bare URL)
 * is a tracked link: it is numbered once per campaign (the same URL in both bodies is one
 * link) and replaced, per recipient, by a signed redirect (links.ts) whose target is read
 * from the campaign's stored links, never from the request. A campaign without any is a
 * campaign without a call to action, which Verity warns about (the article: newsletters
 * that never ask for the close). The unsubscribe link is added when the template has none.
 */
import { VerityError } from "../model/errors.js";

export const MERGE_FIELDS = ["first_name", "last_name", "name", "company", "email", "unsubscribe_url"] as const;
export type MergeField = (typeof MERGE_FIELDS)[number];

export type Recipient = {
  email: string;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
};

/** A template that cannot be used, with where: "html, line 3". */
export class TemplateError extends VerityError {
  override name = "TemplateError";
  constructor(
    readonly part: "subject" | "html" | "text",
    readonly line: number,
    reason: string,
  ) {
    super("invalid_input", `${part}, line ${line}: ${reason}`);
  }
}

const FIELD = /\{\{\s*([^{}|]*?)\s*(?:\|([^{}]*))?\}\}/g;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** Throws on a field Verity does not know, or a `{{` that is never closed. */
export function checkTemplate(part: TemplateError["part"], text: string): void {
  for (const m of text.matchAll(FIELD)) {
    const name = m[1] ?? "";
    if (!(MERGE_FIELDS as readonly string[]).includes(name)) {
      throw new TemplateError(
        part,
        lineAt(text, m.index ?? 0),
        `{{${name}}} is not a merge field (fields: ${MERGE_FIELDS.join(", ")})`,
      );
    }
  }
  const stray = text.replace(FIELD, "").indexOf("{{");
  if (stray >= 0) {
    throw new TemplateError(part, lineAt(text.replace(FIELD, ""), stray), "a {{ is never closed with }}");
  }
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);

function fieldValue(field: MergeField, r: Recipient, unsubscribeUrl: string): string {
  switch (field) {
    case "first_name":
      return r.firstName ?? "";
    case "last_name":
      return r.lastName ?? "";
    case "name":
      return [r.firstName, r.lastName].filter(Boolean).join(" ");
    case "company":
      return r.company ?? "";
    case "email":
      return r.email;
    case "unsubscribe_url":
      return unsubscribeUrl;
  }
}

/** Fills the merge fields of a checked template for one recipient. */
export function fill(text: string, r: Recipient, unsubscribeUrl: string, html: boolean): string {
  return text.replace(FIELD, (_, name: string, fallback: string | undefined) => {
    const value = fieldValue(name as MergeField, r, unsubscribeUrl) || (fallback ?? "").trim();
    return html ? escapeHtml(value) : value;
  });
}

/** The http(s) links of an HTML body: every href's value, in order. */
const HREF = /(\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi;
/** The http(s) URLs of a text body (up to whitespace or a closing bracket or quote). */
const BARE_URL = /https?:\/\/[^\s<>"')\]]+/g;

/** The campaign's tracked links: each distinct URL once, in order of appearance (HTML first). */
export function linksOf(html: string, text: string): string[] {
  const urls: string[] = [];
  const add = (url: string) => {
    if (!url.includes("{{") && !urls.includes(url)) urls.push(url);
  };
  // An href is whole as written (a trailing dot is part of it); a URL in text ends before
  // the sentence's punctuation.
  for (const m of html.matchAll(HREF)) add(decodeEntities(m[3] ?? ""));
  for (const m of text.matchAll(BARE_URL)) add(m[0].replace(/[.,;:!?]+$/, ""));
  return urls;
}

/** An href's ampersands as the browser reads them (&amp;, &#38;, &#x26;). */
function decodeEntities(url: string): string {
  return url.replace(/&(?:amp|#38|#x26);/gi, "&");
}

/** The HTML body with each tracked link's href replaced by `tracked(index)`. */
export function rewriteHtml(html: string, links: readonly string[], tracked: (index: number) => string): string {
  return html.replace(HREF, (whole, prefix: string, quote: string, url: string) => {
    const index = links.indexOf(decodeEntities(url));
    return index < 0 ? whole : `${prefix}${quote}${escapeHtml(tracked(index))}${quote}`;
  });
}

/** The text body with each tracked URL replaced by `tracked(index)`. */
export function rewriteText(text: string, links: readonly string[], tracked: (index: number) => string): string {
  return text.replace(BARE_URL, (url) => {
    const clean = url.replace(/[.,;:!?]+$/, "");
    const index = links.indexOf(clean);
    return index < 0 ? url : tracked(index) + url.slice(clean.length);
  });
}

export type CheckedTemplate = { subject: string; html: string; text: string; links: string[]; warnings: string[] };

/**
 * Checks a campaign's subject and bodies, adds the unsubscribe link where a body has none, and
 * lists its links and what to warn about.
 */
export function prepareTemplate(input: { subject: string; html: string; text: string }): CheckedTemplate {
  const subject = input.subject.trim();
  if (subject === "") throw new TemplateError("subject", 1, "the subject is empty");
  if (/[\r\n]/.test(subject)) throw new TemplateError("subject", 1, "the subject must be one line");
  if (input.html.trim() === "" && input.text.trim() === "") {
    throw new TemplateError("text", 1, "give an HTML body, a text body or both");
  }
  checkTemplate("subject", subject);
  if (/\{\{\s*unsubscribe_url/.test(subject)) {
    throw new TemplateError("subject", 1, "{{unsubscribe_url}} belongs in a body");
  }
  checkTemplate("html", input.html);
  checkTemplate("text", input.text);
  let html = input.html;
  let text = input.text;
  if (html.trim() !== "" && !/\{\{\s*unsubscribe_url/.test(html)) {
    const footer =
      '<p style="font-size:12px;color:#666">To stop these emails, <a href="{{unsubscribe_url}}">unsubscribe</a>.</p>';
    html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footer}</body>`) : `${html}\n${footer}`;
  }
  if (text.trim() !== "" && !/\{\{\s*unsubscribe_url/.test(text)) {
    text = `${text.trimEnd()}\n\n--\nTo stop these emails: {{unsubscribe_url}}\n`;
  }
  const links = linksOf(html, text);
  const warnings: string[] = [];
  if (links.length === 0) {
    warnings.push(
      "the campaign has no call to action: no link asks the reader to do anything (book a demo, start a trial, reply); a newsletter that never asks for the close is judged by opens, not by the leads it brings",
    );
  }
  return { subject, html, text, links, warnings };
}
