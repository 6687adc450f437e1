#!/usr/bin/python3
"""Renumber the timelines quoted in docs/races/*.md after a model change
shifted step numbers: each quoted row is matched by its text (exactly, or by
column and prefix for narrowed rows) to a row of the `contsim run` output of
the scenario the page names that matches most rows, and takes that row's step
number; "step N" in the prose outside timelines follows the same mapping
(unless N maps two ways). Usage: scripts/renumber-doc-timelines.py CONTSIM [--fix]

Always review the diff and run scripts/check-doc-timelines.py afterwards:
when two named scenarios print the same rows (a buggy and a fixed variant)
the one whose step numbers already agree wins, which after a shift may still
be the wrong run."""
import re,subprocess,sys,glob,os
import os

# The text report fits COLUMNS when set: quoted outputs are the natural layout.
os.environ.pop("COLUMNS", None)
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.argv[1] = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else sys.exit(__doc__)
allscen={os.path.basename(p):p for p in glob.glob('scenarios/*/*.json')}
def run(f):
    return subprocess.run([sys.argv[1],'run',f],capture_output=True,text=True).stdout
ROW=re.compile(r'^(\s*)(\d+)(  .*)$')
def blocks(lines):
    out=[];cur=None
    for i,l in enumerate(lines):
        if l.startswith('```'):
            if cur is None: cur=(i,l)
            else: out.append((cur[0]+1,i,cur[1])); cur=None
    return out
def cells(content):
    cs=[c.strip() for c in (content+' ').split(' | ')]
    nz=[(i,c) for i,c in enumerate(cs) if c]
    return nz[0] if nz else (None,'')
def fuzzy(output):
    d=[]
    for l in output.splitlines():
        m=ROW.match(l)
        if m: d.append((int(m.group(2)),)+cells(m.group(3)))
    return d
def rows_of(output):
    # map content (text after step col) -> list of step numbers, in order
    d={}
    for l in output.splitlines():
        m=ROW.match(l)
        if m: d.setdefault(m.group(3).rstrip(),[]).append(int(m.group(2)))
    return d
fix='--fix' in sys.argv
for page in sorted(glob.glob('docs/races/*.md')):
    txt=open(page).read(); lines=txt.split('\n')
    names=set(os.path.basename(n) for n in re.findall(r'[\w/.-]+\.json',txt))
    scen=sorted(allscen[n] for n in names if n in allscen)
    for g in re.findall(r'scenarios/[\w/.*-]+\*[\w.*-]*\.json',txt): scen+=sorted(glob.glob(g))
    scen=sorted(set(scen))
    outs={s:run(s) for s in scen}
    mapping={}; conflicts=set(); bad=0; tot=0
    for a,b,fence in blocks(lines):
        body=lines[a:b]
        if not any(l.startswith('step  CPU0') for l in body): continue
        rows=[(i,ROW.match(l)) for i,l in enumerate(body) if ROW.match(l)]
        # pick the scenario whose output contains most row contents
        best=None;bestn=(-1,-1)
        for s,o in outs.items():
            d=rows_of(o); fz=fuzzy(o); n=0; same=0
            for _,m in rows:
                ci,ct=cells(m.group(3))
                hits=[st for st,i2,t2 in fz if i2==ci and (t2==ct or min(len(ct),len(t2))>=15 and (t2.startswith(ct) or ct.startswith(t2)))]
                if m.group(3).rstrip() in d or hits: n+=1
                if int(m.group(2)) in hits or int(m.group(2)) in d.get(m.group(3).rstrip(),[]): same+=1
            # Most rows matched; on a tie, the run whose step numbers already agree.
            if (n,same)>bestn: best,bestn=s,(n,same)
        if best is None: print(page,'no scenario'); continue
        d=rows_of(outs[best]); last=0
        for i,m in rows:
            tot+=1
            key=m.group(3).rstrip(); old=int(m.group(2))
            cands=[s for s in d.get(key,[]) if s>last] or d.get(key,[])
            if not cands:
                ci,ct=cells(m.group(3))
                fz=[st for st,i2,t2 in fuzzy(outs[best]) if i2==ci and min(len(ct),len(t2))>=15 and (t2.startswith(ct) or ct.startswith(t2))]
                cands=[x for x in fz if x>last] or fz
            if not cands: bad+=1; print(f'  {page}: no match for row {old}: {key[:60]}'); continue
            new=cands[0]; last=new
            if old in mapping and mapping[old]!=new: conflicts.add(old)
            mapping[old]=new
            w=len(m.group(1))+len(m.group(2))
            body[i]=f'{new:>{w}}'+m.group(3)
        lines[a:b]=body
    changed={o:n for o,n in mapping.items() if o!=n}
    print(f'{page}: rows {tot}, unmatched {bad}, renumbered {len(changed)}, conflicts {sorted(conflicts)}')
    if fix and changed:
        new='\n'.join(lines)
        # prose: "step N", "steps N and M", "(step N)"
        # only outside code blocks
        out=[];inside=False
        timeline=False
        for l in new.split('\n'):
            if l.startswith('```'):
                inside=not inside; timeline=False
            if inside and l.startswith('step  CPU0'): timeline=True
            if not timeline and not l.startswith('```'):
                def rep(m):
                    n=int(m.group(2))
                    return m.group(1)+str(changed.get(n,n)) if n not in conflicts else m.group(0)
                l=re.sub(r'(\bsteps? )(\d+)',rep,l)
                l=re.sub(r'((?:\bsteps? \d+(?:[,–-]| and | or |, and )))(\d+)',rep,l)
            out.append(l)
        open(page,'w').write('\n'.join(out))
