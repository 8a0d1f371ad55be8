export async function startServer(_c: unknown): Promise<{ stop(): Promise<void> }> { throw new Error("todo"); }
