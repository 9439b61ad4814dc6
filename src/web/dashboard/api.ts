/**
 * The dashboard's calls to Verity's API (the same routes scripts use, documented at
 * /api/openapi.json). The session cookie rides along; a 401 means "sign in".
 */

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

export class SignInNeeded extends Error {}

type ErrorBody = { error?: { message?: string; field?: string } };

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 401) throw new SignInNeeded("sign in");
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as ErrorBody;
    throw new ApiFailure(response.status, body.error?.message ?? response.statusText, body.error?.field ?? null);
  }
  return (await response.json()) as T;
}

/** GET a route with query parameters (empty ones left out). */
export async function get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return answer<T>(await fetch(`${path}${text ? `?${text}` : ""}`, { credentials: "same-origin" }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
}
