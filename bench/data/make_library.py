"""Writes the assistant's evaluation set: library.jsonl (documents) and questions.jsonl (questions with the
document and the exact phrase that answers each). Deterministic: `python bench/data/make_library.py`.

How it is made, plainly: every document is about an invented subject (a bridge, an inventor, a plant, a ship,
a festival, a dish, a machine, a lake) built from templates with values drawn from a seeded random generator,
so no answer can come from a model's general knowledge and every answer is known. Documents of one kind share
their wording, so only names, numbers and details tell them apart. Half of the questions name their subject
("lexical": BM25's ground); the other half describe it in words the document does not use ("semantic": the
document says "dried flowers ease headaches", the question asks "which herb is a remedy for a sore head")."""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
R = random.Random(20261125)
SYL = ["ka", "lo", "ver", "min", "sa", "dor", "el", "tri", "nav", "bo", "ru", "zen", "ith", "mar", "qu", "pel",
       "os", "tan", "vi", "gal", "hem", "ard", "un", "cor", "fey", "lis", "mo", "brak", "dun", "esk"]
used: set[str] = set()


def name(parts: int = 2) -> str:
    while True:
        word = "".join(R.choice(SYL) for _ in range(parts)).capitalize()
        if word not in used and len(word) > 3:
            used.add(word)
            return word


def person() -> str:
    return f"{R.choice(['Ada', 'Tomas', 'Ines', 'Piotr', 'Mira', 'Jonas', 'Elif', 'Ravi', 'Nadia', 'Oskar', 'Lena', 'Yusuf'])} {name(3)}"


# (document phrase, semantic question phrase): the question never reuses the document's content words
MATERIALS = [("built of granite blocks", "made of stone"), ("a riveted steel truss", "a metal lattice frame"),
             ("laminated timber beams", "wooden construction"), ("prestressed concrete", "reinforced cement")]
BRIDGE_FEATURES = [("a toll house at each end", "a fee collected from travellers at its entrances"),
                   ("a lifting span for tall ships", "a deck section that rises to let masts through"),
                   ("gas lamps lit every evening", "old-fashioned lighting switched on at dusk"),
                   ("a footpath hung beneath the roadway", "a walkway suspended under the traffic lanes")]
INVENTIONS = [("a clockwork loom that weaves patterned carpets", "a mechanical rug-making device"),
              ("a hand-cranked refrigerator for fishing boats", "keeping the catch cold at sea without power"),
              ("a folding lifeboat made of canvas", "a collapsible rescue vessel"),
              ("a solar kettle for desert caravans", "boiling water with sunlight while crossing the sand"),
              ("a braille typewriter", "a writing machine for blind people"),
              ("a pedal-powered water pump", "lifting water by cycling")]
USES = [("dried flowers ease headaches", "a remedy for a sore head"),
        ("crushed leaves keep mosquitoes away", "a repellent against biting insects"),
        ("roots yield a deep blue dye", "an indigo colour for cloth"),
        ("seeds are pressed for lamp oil", "fuel for lighting from its kernels"),
        ("bark is brewed into a fever tea", "a drink that lowers a high temperature")]
HABITATS = [("chalk cliffs by the sea", "coastal limestone"), ("peat bogs", "marshy wetlands"),
            ("high alpine meadows", "mountain grasslands"), ("shaded river gorges", "damp ravines")]
FATES = [("sank in a winter storm off", "was lost at sea in bad weather near"),
         ("now a museum ship moored at", "can be visited as an exhibit in"),
         ("broken up for scrap at", "was dismantled in"),
         ("ran aground on a sandbar near", "got stuck in shallow water close to")]
TRADITIONS = [("floating paper lanterns down the river", "setting lights adrift on the water"),
              ("a race carrying wheels of cheese uphill", "a contest hauling dairy produce up a slope"),
              ("masked dancers parading through the market", "people in disguises dancing in the square"),
              ("a bonfire of old boats on the beach", "burning retired vessels on the shore")]
METHODS = [("slow-cooked for six hours in a clay pot", "braised for a long time in earthenware"),
           ("smoked over juniper wood", "cured with aromatic smoke"),
           ("fried in a cast-iron skillet", "pan-cooked in hot fat"),
           ("steamed in banana leaves", "wrapped in foliage and cooked with vapour")]
INGREDIENTS = ["lentils", "chestnuts", "river trout", "barley", "goat cheese", "wild mushrooms", "quince", "mussels"]
MACHINE_PARTS = [("the intake filter must be replaced", "swap the air screen"),
                 ("the drive belt must be tensioned", "tighten the transmission strap"),
                 ("the bearings must be greased", "lubricate the rotating supports"),
                 ("the coolant must be drained", "empty the cooling liquid")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

towns = [name() for _ in range(40)]
rivers = [name() for _ in range(30)]
docs: list[dict] = []
signatures: dict[str, tuple] = {}
questions: list[dict] = []


def add(kind: str, title: str, paragraphs: list[str], lexical: tuple[str, str] | None,
        semantic: tuple[str, str] | None, signature: tuple = ()) -> None:
    """signature: what a semantic question describes; a question whose description fits two documents is
    dropped at the end, so every question has exactly one answering document."""
    doc_id = f"{kind}-{len([d for d in docs if d['kind'] == kind]) + 1:03d}"
    filler = R.choice([
        "Local historians have collected letters, drawings and accounts about it in the town archive.",
        "Visitors often ask the guides about it, and a small leaflet is available at the library desk.",
        "Records from the period are incomplete, and some details remain disputed among scholars.",
        "A commemorative plaque was added many years later by the local heritage society."])
    text = f"# {title}\n\n" + "\n\n".join(paragraphs + [filler]) + "\n"
    docs.append({"id": doc_id, "kind": kind, "title": title, "filename": f"{doc_id}.md", "text": text})
    signatures[doc_id] = (kind, *signature)
    for style, qa in (("lexical", lexical), ("semantic", semantic)):
        if qa is not None:
            questions.append({"style": style, "question": qa[0], "doc_id": doc_id, "answer": qa[1]})


def wants(rate: float) -> bool:
    return R.random() < rate


for _ in range(30):
    bridge, river, town, eng = name(), R.choice(rivers), R.choice(towns), person()
    year, span = R.randint(1780, 1990), R.randint(40, 900)
    mat, feat = R.choice(MATERIALS), R.choice(BRIDGE_FEATURES)
    add("bridge", f"The {bridge} Bridge", [
        f"The {bridge} Bridge crosses the {river} river at {town}. It was completed in {year} and its main span "
        f"measures {span} metres.",
        f"The engineer {eng} designed it as {mat[0]}. The bridge is known for {feat[0]}."],
        (f"Who was the engineer of the {bridge} Bridge?", eng) if wants(0.3) else None,
        (f"Which crossing over the {river} has {feat[1]}?", feat[0]) if wants(0.25) else None, (river, feat))
for _ in range(28):
    who, town, year = person(), R.choice(towns), R.randint(1800, 1970)
    inv = R.choice(INVENTIONS)
    add("inventor", who, [
        f"{who} was born in {town} in {year - R.randint(20, 40)}. In {year} {who.split()[0]} patented {inv[0]}.",
        f"The workshop in {town} produced the first models, and {who.split()[1]} later taught engineering."],
        (f"In which town was {who} born?", town) if wants(0.25) else None,
        (f"Who from {town} came up with {inv[1]}?", who) if wants(0.25) else None, (town, inv))
for _ in range(28):
    plant = f"{name()} {R.choice(['sage', 'thistle', 'bellflower', 'sedge', 'mallow', 'vetch'])}"
    use, hab = R.choice(USES), R.choice(HABITATS)
    color = R.choice(["violet", "pale yellow", "white", "crimson", "orange"])
    add("plant", plant.title(), [
        f"{plant.title()} is a perennial with {color} flowers that grows on {hab[0]}.",
        f"Herbalists value it because its {use[0]}. It flowers from {R.choice(MONTHS)} to {R.choice(MONTHS)}."],
        (f"What colour are the flowers of {plant}?", color) if wants(0.25) else None,
        (f"Which {color} flowering plant of {hab[1]} gives {use[1]}?", use[0]) if wants(0.3) else None,
        (color, hab, use))
for _ in range(28):
    ship, yard, port = name(), R.choice(towns), R.choice(towns)
    year, fate = R.randint(1820, 1960), R.choice(FATES)
    tons = R.randint(200, 9000)
    add("ship", f"SS {ship}", [
        f"The SS {ship} was launched in {year} at the {yard} shipyard. She displaced {tons} tonnes and carried "
        f"timber and grain.",
        f"After a long career she {fate[0]} {port}."],
        (f"Where was the SS {ship} built?", f"{yard} shipyard") if wants(0.25) else None,
        (f"Which vessel launched in {year} {fate[1]} {port}?", f"SS {ship}") if wants(0.25) else None,
        (year, fate, port))
for _ in range(28):
    fest, town, month, trad = name(), R.choice(towns), R.choice(MONTHS), R.choice(TRADITIONS)
    add("festival", f"The {fest} Festival", [
        f"The {fest} Festival is held every {month} in {town}. Its best-known custom is {trad[0]}.",
        f"It began in {R.randint(1500, 1950)} to celebrate the end of the harvest."],
        (f"In which month is the {fest} Festival held?", month) if wants(0.3) else None,
        (f"Which celebration in {town} involves {trad[1]}?", f"{fest} Festival") if wants(0.25) else None,
        (town, trad))
for _ in range(28):
    dish, region = name(), R.choice(towns)
    ingredient, method = R.choice(INGREDIENTS), R.choice(METHODS)
    add("dish", f"{dish} ({region} style)", [
        f"{dish} is a traditional dish from {region} made mainly with {ingredient}.",
        f"It is {method[0]} and served at weddings with flatbread."],
        (f"What is the main ingredient of {dish}?", ingredient) if wants(0.25) else None,
        (f"Which {ingredient} dish from {region} is {method[1]}?", dish) if wants(0.25) else None,
        (ingredient, region, method))
for _ in range(28):
    model = f"{R.choice('KQTZXV')}-{R.randint(100, 999)}"
    part, hours = R.choice(MACHINE_PARTS), R.choice([40, 80, 120, 250, 500, 1000])
    kind = R.choice(["irrigation pump", "grain mill", "sawmill carriage", "printing press", "loom"])
    add("machine", f"Model {model} {kind}", [
        f"The Model {model} is a {kind} built by the {name()} works.",
        f"Maintenance: {part[0]} every {hours} operating hours. Running it longer risks damage to the motor."],
        (f"How often must the Model {model} be serviced?", f"every {hours} operating hours") if wants(0.3) else None,
        (f"For the {kind} {model}, when should I {part[1]}?", f"every {hours} operating hours") if wants(0.2) else None,
        (kind, model))
for _ in range(28):
    lake, town = name(), R.choice(towns)
    depth, fish = R.randint(8, 300), R.choice(["pike", "char", "perch", "eel", "whitefish"])
    add("lake", f"Lake {lake}", [
        f"Lake {lake} lies north of {town}. It is {depth} metres deep at its deepest point.",
        f"Fishermen catch {fish} there, and the lake freezes over in most winters."],
        (f"How deep is Lake {lake}?", f"{depth} metres") if wants(0.25) else None,
        (f"Which body of water near {town} is known for its {fish}?", f"Lake {lake}") if wants(0.2) else None,
        (town, fish))

shared = {sig for sig in signatures.values() if list(signatures.values()).count(sig) > 1}
questions = [q for q in questions if q["style"] == "lexical" or signatures[q["doc_id"]] not in shared]
for n, q in enumerate(questions, start=1):
    q["id"] = f"q{n:03d}"
    assert q["answer"] in next(d["text"] for d in docs if d["id"] == q["doc_id"])
(HERE / "library.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
(HERE / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
print(f"{len(docs)} documents, {len(questions)} questions "
      f"({sum(q['style'] == 'lexical' for q in questions)} lexical, {sum(q['style'] == 'semantic' for q in questions)} semantic)")
