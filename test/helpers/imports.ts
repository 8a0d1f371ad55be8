import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

export interface Source {
  /** Path under src/, e.g. `approvals/execute.ts`. */
  path: string;
  text: string;
}

export interface Import {
  /** The specifier as written: `../cluster/kube-writer.ts`, `@kubernetes/client-node`. */
  specifier: string;
  /** For a relative specifier, the file it names under src/; undefined for a package. */
  target?: string;
  /** True when only types cross (`import type`, `export type`, every name marked `type`). */
  typeOnly: boolean;
  /** The names imported (`*` for a namespace import or an `export *`). */
  names: string[];
}

export function readSources(srcDir: string): Source[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) =>
      statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : [],
    );
  return walk(srcDir).map((f) => ({ path: relative(srcDir, f), text: readFileSync(f, 'utf8') }));
}

/**
 * Every import of a file, read by the TypeScript parser rather than a regex: static imports,
 * re-exports (`export … from`), dynamic `import()` and `require()`, each marked type-only or not.
 */
export function importsOf(source: Source): Import[] {
  const file = ts.createSourceFile(source.path, source.text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, names: string[]) => {
    const target = specifier.startsWith('.') ? normalize(join(dirname(source.path), specifier)) : undefined;
    found.push({ specifier, target, typeOnly, names });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings : undefined;
      const names = [
        ...(clause?.name ? ['default'] : []),
        ...(clause?.namedBindings && ts.isNamespaceImport(clause.namedBindings) ? ['*'] : []),
        ...(named?.elements.map((e) => (e.propertyName ?? e.name).text) ?? []),
      ];
      const typeOnly = Boolean(
        clause && (clause.isTypeOnly || (!clause.name && named && named.elements.every((e) => e.isTypeOnly))),
      );
      add(node.moduleSpecifier.text, typeOnly, names);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause : undefined;
      const typeOnly = node.isTypeOnly || Boolean(named?.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier.text, typeOnly, named?.elements.map((e) => (e.propertyName ?? e.name).text) ?? ['*']);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false, ['*']);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true, ['*']);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The top-level folder of a path under src/ (`approvals/execute.ts` → `approvals`; `runtime.ts` → `runtime`). */
export function folderOf(path: string): string {
  const [first, ...rest] = path.split('/');
  return rest.length ? first! : first!.replace(/\.ts$/, '');
}
