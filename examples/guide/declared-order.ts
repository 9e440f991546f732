// A declared flow is JSON (here a constant, to be POSTed to /declared/flows or machinery's /w).
export const order = {
  name: "order",
  inputs: [{ name: "message", type: "string" }],
  outputs: [
    { name: "message", type: "string" },
    { name: "count", type: "int" },
  ],
  steps: [
    // A call: retried on server errors; when it still fails, the flow goes on at "sorry".
    {
      id: "shout",
      service: "upper",
      retry: { attempts: 3, delay: "200ms" },
      catch: { next: "sorry", as: "problem" },
    },
    { id: "empty", type: "choice", choices: [{ when: { field: "message", equals: "" }, next: "sorry" }] },
    // Branches side by side; what each sets is merged into the data.
    { id: "both", type: "parallel", branches: [[{ service: "reverse" }], [{ service: "spaces" }]] },
    // A durable wait for a signal (POST /flows/runs/:runId/signals/approved), at most a day.
    {
      id: "approval",
      type: "wait",
      signal: "approved",
      timeout: "1d",
      fields: [{ name: "by", type: "string" }],
    },
    { id: "done", type: "succeed" },
    { id: "sorry", type: "fail", message: "could not shout" },
  ],
};
