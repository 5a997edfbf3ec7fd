/** A problem the JSON API answered with (problem+json): the page shows it, never a stack trace. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; type?: string },
  ) {
    super(problem.detail ?? problem.title ?? `the API answered ${status}`);
  }
}

/**
 * The JSON API as the pages call it: as the signed-in person, with their token, so a page shows and
 * does exactly what the API lets them (the same routes, checks and audit entries).
 */
export function apiClient(apiUrl: () => string) {
  const call = async <T>(token: string, method: 'GET' | 'POST' | 'PUT', pathAndQuery: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiUrl()}${pathAndQuery}`, {
      method,
      headers: {
        // No token: a public route, for anyone.
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // A 204 (a revocation) has no body.
    const text = await response.text();
    const answer = (text ? JSON.parse(text) : {}) as T;
    if (!response.ok) throw new ApiProblem(response.status, answer as ApiProblem['problem']);
    return answer;
  };
  return {
    get: <T>(token: string, pathAndQuery: string) => call<T>(token, 'GET', pathAndQuery),
    post: <T>(token: string, pathAndQuery: string, body: unknown) => call<T>(token, 'POST', pathAndQuery, body),
    put: <T>(token: string, pathAndQuery: string, body: unknown) => call<T>(token, 'PUT', pathAndQuery, body),
    /** The API's answer as it came (a document's bytes, its type and hash), for the page to pass on. */
    raw: (token: string, pathAndQuery: string) =>
      fetch(`${apiUrl()}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
    /** A public route, as anyone: no token. */
    anyone: <T>(pathAndQuery: string) => call<T>('', 'GET', pathAndQuery),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
