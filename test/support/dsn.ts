/**
 * Bounce reports as mail servers write them, for tests: a DSN (RFC 3464, the layout Postfix
 * uses: a human part, message/delivery-status, text/rfc822-headers) and an ARF complaint
 * (RFC 5965, as the large mailbox providers send them).
 */
export function dsn(options: {
  messageId: string;
  recipient: string;
  action?: string;
  status?: string;
  diagnostic?: string;
}): string {
  const { messageId, recipient, action = "failed", status = "5.1.1" } = options;
  const diagnostic =
    options.diagnostic ?? `smtp; 550 ${status} <${recipient}>: Recipient address rejected: User unknown`;
  return [
    "Return-Path: <>",
    "From: MAILER-DAEMON@mx.example (Mail Delivery System)",
    "To: news@brand.example",
    "Subject: Undelivered Mail Returned to Sender",
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"',
    "",
    "--B0UND",
    "Content-Description: Notification",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "This is the mail system at host mx.example.",
    "",
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients.",
    "",
    "--B0UND",
    "Content-Description: Delivery report",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example",
    "X-Postfix-Queue-ID: 4Xy1Zq2abc",
    "Arrival-Date: Tue,  8 Dec 2026 01:00:00 +0000 (UTC)",
    "",
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    "Remote-MTA: dns; mx2.example",
    `Diagnostic-Code: ${diagnostic}`,
    "",
    "--B0UND",
    "Content-Description: Undelivered Message Headers",
    "Content-Type: text/rfc822-headers",
    "",
    "From: Brand <news@brand.example>",
    `To: ${recipient}`,
    "Subject: Hello, news",
    `Message-ID: ${messageId}`,
    "",
    "--B0UND--",
    "",
  ].join("\r\n");
}

export function complaint(options: { messageId: string; recipient: string }): string {
  return [
    "From: feedback@provider.example",
    "To: abuse@brand.example",
    "Subject: Complaint",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    "",
    "--ARF",
    "Content-Type: text/plain",
    "",
    "This is an email abuse report.",
    "",
    "--ARF",
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "User-Agent: Provider-FBL/1.0",
    "Version: 1",
    `Original-Rcpt-To: ${options.recipient}`,
    "",
    "--ARF",
    "Content-Type: text/rfc822-headers",
    "",
    "From: Brand <news@brand.example>",
    `To: ${options.recipient}`,
    `Message-ID: ${options.messageId}`,
    "",
    "--ARF--",
    "",
  ].join("\r\n");
}
