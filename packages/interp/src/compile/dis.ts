export function disassemble(): string { return ""; }
