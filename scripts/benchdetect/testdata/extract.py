# Extracts human-written Chinese sentences for scripts/benchdetect's hard corpus.
import re, glob, sys
out = sys.argv[1]
def clean(t):
    t = t.replace('\\n', '\n').replace('\\t', ' ').replace('\\"', '"').replace('\\\\', '\\')
    t = re.sub(r'%[-+ #0-9.*]*(?:l{0,2}|z|h)[a-zA-Z]', '', t)  # printf formats
    t = re.sub(r'`[^`]*`', '', t)
    t = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', t)  # markdown links
    t = re.sub(r'https?://\S+', '', t)
    return t
def lines_of(text):
    res = []
    for para in re.split(r'\n\s*\n|\n', text):
        para = re.sub(r'\s+', '', para.strip(' #*>-|'))
        para = para.strip('"\'|')
        han = len(re.findall(r'[\u4e00-\u9fff]', para))
        if han >= 6 and han >= 0.5 * len(para):
            res.append(para)
    return res
seen = set()
def emit(f, lines):
    n = 0
    for l in lines:
        if l not in seen:
            seen.add(l); f.write(l + '\n'); n += 1
    return n
with open(out + '/postgresql-15-zh_CN.txt', 'w') as f:
    for p in sorted(glob.glob('/tmp/zhc/*.po')):
        s = open(p, encoding='utf-8').read()
        for m in re.finditer(r'msgstr(?:\[\d\])? ((?:"(?:[^"\\]|\\.)*"\s*)+)', s):
            t = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
            emit(f, lines_of(clean(t)))
for src, name in [('/root/go/pkg/mod/github.com/aliyun/alibabacloud-oss-go-sdk-v2@v1.3.0/DEVGUIDE-CN.md', 'alibabacloud-oss-go-sdk-v2-DEVGUIDE-CN.txt'),
                  ('/root/go/pkg/mod/github.com/xuri/excelize/v2@v2.11.1/README_zh.md', 'excelize-README_zh.txt')]:
    s = open(src, encoding='utf-8').read()
    s = re.sub(r'```.*?```', '', s, flags=re.S)
    with open(out + '/' + name, 'w') as f:
        emit(f, lines_of(clean(s)))
