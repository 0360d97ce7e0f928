/*
 * The C modules simulated in TypeScript, registered with the import system when this
 * module is imported (each file registers its own with registerBuiltinModule).
 */
export {};
