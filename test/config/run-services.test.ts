import { describe, expect, it } from "vitest";
import { runServices } from "../../src/config/run-services.js";

const known = ["text", "pipeline", "flows"];

describe("--services", () => {
  it("names some of the project's services, or none for a gateway node", () => {
    expect(runServices("text", known)).toEqual(["text"]);
    expect(runServices(" text , pipeline,text,", known)).toEqual(["text", "pipeline"]);
    expect(runServices("none", known)).toEqual([]);
  });

  it("refuses unknown names in one error that lists the known ones", () => {
    expect(() => runServices("text,nope,zz", known)).toThrow(
      '--services: unknown services "nope", "zz" (the project\'s services are text, pipeline, flows; none makes a gateway node)',
    );
    expect(() => runServices("txt", known)).toThrow('unknown service "txt" (');
    expect(() => runServices(" , ", known)).toThrow("--services: name some (");
    expect(() => runServices("none,text", known)).toThrow("none (a gateway node) goes alone");
  });
});
