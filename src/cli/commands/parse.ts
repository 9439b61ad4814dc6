import { InvalidArgumentError } from "commander";

export function parseInteger(flag: string): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value))
      throw new InvalidArgumentError(`${flag} takes a whole number, not ${JSON.stringify(value)}`);
    return Number(value);
  };
}
