import type { ShellFlavour } from './process.ts';
import { type Program, Shell } from './sh-run.ts';

/** `sh`/`bash` as a program: `-c SCRIPT [NAME ARGS…]`, a script file, or a script on stdin. */
export function shellProgram(flavour: ShellFlavour): Program {
  return (parent, argv, io) => {
    const name = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
    const tools = { ...parent.tools, flavour, program: parent.tools.program };
    let i = 1;
    let errexit = false;
    let inline: string | undefined;
    for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
      const f = argv[i]!;
      if (f === '-c' || /^-\w*c$/.test(f)) {
        if (f.includes('e')) errexit = true;
        inline = argv[++i];
        if (inline === undefined) {
          io.err(`${name}: -c: option requires an argument\n`);
          return 2;
        }
        i++;
        break;
      }
      if (f.includes('e')) errexit = true;
    }
    let source = inline;
    let args = argv.slice(i + 1);
    let scriptName = inline === undefined ? name : (argv[i] ?? name);
    if (inline === undefined) {
      const file = argv[i];
      args = argv.slice(i + 1);
      if (file === undefined) source = io.stdin;
      else {
        source = parent.proc.fs.files.get(parent.path(file));
        scriptName = file;
        if (source === undefined) {
          io.err(
            flavour === 'bash'
              ? `${name}: ${file}: No such file or directory\n`
              : `${name}: 0: cannot open ${file}: No such file\n`,
          );
          return 127;
        }
      }
    }
    const sh = new Shell(parent.proc, tools, inline === undefined ? scriptName : name, args);
    for (const [k, v] of parent.vars) sh.vars.set(k, v);
    sh.cwd = parent.cwd;
    sh.errexit = errexit;
    return sh.subshell(() => sh.script(source ?? '', io));
  };
}
