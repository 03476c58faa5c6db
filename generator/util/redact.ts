/** A function that replaces every occurrence of any of `values` (longest first) with `***`. */
export function redactor(values: string[]): (s: string) => string {
  const sorted = values.filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  return (s) => sorted.reduce((acc, v) => acc.split(v).join("***"), s);
}
