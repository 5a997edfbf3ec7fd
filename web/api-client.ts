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
  return {
    async get<T>(token: string, pathAndQuery: string): Promise<T> {
      const response = await fetch(`${apiUrl()}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as T;
      if (!response.ok) throw new ApiProblem(response.status, body as ApiProblem['problem']);
      return body;
    },
  };
}
