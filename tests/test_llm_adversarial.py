"""Adversarial suite for generated answers (issue 13): crafted model replies to real questions
over the real index, served by the scripted OpenAI-compatible server of tests/test_llm.py and
run through Assistant().ask and Assistant().ask_stream with the "openai" generator.

A reply names its citations by anchors («{sygehus til kommune}»): the server finds the number
of the passage holding the anchor in the prompt it received, so the replies follow retrieval.
Faithful replies (close and free paraphrases) must be shown; every unfaithful one must fall
back to the extractive answer.

    python -m tests.test_llm_adversarial      # prints the per-class table
"""
from __future__ import annotations

import dataclasses
import re
import sys
from collections import defaultdict

import pytest

# (question, [(class, reply)]): replies use {anchor} for the citation of the passage holding anchor.
FAITHFUL = ("faithful_close", "faithful_free")
Q = "Hvad sagde brugerne om overgange?"
MYN, SYG, BARN, G5 = "{mellem myndighed og tilbud}", "{sygehus til kommune}", "{fra barn til voksen}", "{Gruppe 5}"
CASES: list[tuple[str, list[tuple[str, str]]]] = [
    (Q, [
        ("faithful_close", f"Brugerne ønskede fokus på overgange mellem myndighed og tilbud og mellem psykiatriske afdelinger og kommunale tilbud {MYN}."),
        ("faithful_close", f"Ved brugerworkshoppen i januar 2017 sagde brugerne, at samarbejdet om overgangene for de psykisk syge bør være et fokusområde, særligt overgangen fra sygehus til kommune {SYG}."),
        ("faithful_close", f"Brugerne mente, at overgangene for psykisk syge bør være et fokusområde {SYG}. De ønskede også fokus på overgange mellem myndighed og tilbud {MYN}."),
        ("faithful_free", f"Overgangen fra hospital til kommune var for brugerne et særligt vigtigt område for psykisk syge {SYG}."),
        ("faithful_free", f"Fagpersonerne ville styrke overgangen fra barn til voksen med tidlig forberedelse {BARN}."),
        ("reversed", f"Brugerne mente ikke, at overgangene for de psykisk syge bør være et fokusområde {SYG}."),
        ("reversed", f"Brugerne ønskede ikke fokus på overgange mellem myndighed og tilbud {MYN}."),
        ("antonym", f"Fagpersonerne ville styrke overgangen fra barn til voksen med sen forberedelse {BARN}."),
        ("wrong_group", f"Politikerne ønskede fokus på overgange mellem myndighed og tilbud og mellem psykiatriske afdelinger og kommunale tilbud {MYN}."),
        ("wrong_group", f"Fagpersonerne sagde, at overgangen fra sygehus til kommune for de psykisk syge bør være et fokusområde {SYG}."),
        ("changed_date", f"Ved brugerworkshoppen den 18. februar 2017 sagde brugerne, at overgangen fra sygehus til kommune bør være et fokusområde {SYG}."),
        ("changed_date", f"På mødet i marts 2017 ønskede brugerne fokus på overgange mellem myndighed og tilbud {MYN}."),
        ("changed_count", f"Brugerne pegede på tre overgange, blandt andet fra sygehus til kommune {SYG}."),
        ("added_reason", f"Brugerne ønskede fokus på overgangen fra sygehus til kommune, fordi mange psykisk syge bliver udskrevet uden en plan {SYG}."),
        ("stacked_citations", f"Brugerne krævede, at regionen overtager alle overgange fra kommunerne {MYN}{SYG}{BARN}."),
        ("stacked_citations", f"Brugerne ønskede fokus på overgange mellem myndighed og tilbud {MYN}{SYG}{BARN}."),
        ("refusal_prefix", f"Det fremgår ikke af materialet, hvorfor brugerne nu er imod fokus på overgange, men de vil have færre overgange. Brugerne ønskede fokus på overgange mellem myndighed og tilbud {MYN}."),
        ("uncited_lead_in", f"Brugerne mener, at overgange ikke er et problem:\n- Vi ønsker fokus på overgange mellem myndighed og tilbud {MYN}."),
        ("refused_supported", "Det fremgår ikke af materialet."),
    ]),
    ("Hvad mente brugerne om konkurrenceudsættelse?", [
        ("faithful_close", "Brugerne mente, at konkurrenceudsættelse af opgaverne ikke er vejen frem {ikke vejen frem}."),
        ("faithful_close", "På papkortene skrev brugerne, at konkurrenceudsættelse ikke er en god vej, og de ønskede fokus på recovery i tæt samarbejde med brugerne {ikke en god vej}."),
        ("faithful_close", "Brugerrepræsentanterne sagde, at konkurrenceudsættelse ikke er vejen frem, med henvisning til udbuddet af botilbudspladser anført af Holbæk Kommune {ikke vejen frem}."),
        ("faithful_free", "Brugerne var imod konkurrenceudsættelse {ikke en god vej}."),
        ("faithful_free", "Brugerne afviste konkurrenceudsættelse af opgaverne som vejen frem {ikke vejen frem}."),
        ("faithful_free", "Temaoplægget til kick-off mødet foreslog øget brug af konkurrenceudsættelse for at afprøve udvalgte tilbuds pris- og kvalitetsniveau {Mulighed 5}."),
        ("reversed", "Brugerrepræsentanterne mente, at konkurrenceudsættelse af opgaverne er vejen frem {ikke vejen frem}."),
        ("reversed", "Brugerne skrev på papkortene, at konkurrenceudsættelse er en god vej {ikke en god vej}."),
        ("reversed", "Brugerne støttede konkurrenceudsættelse af opgaverne {ikke vejen frem}."),
        ("antonym", "Brugerne mente, at konkurrenceudsættelse er en dårlig vej, men at recovery ikke er vigtigt {ikke en god vej}."),
        ("antonym", "Temaoplægget foreslog mindre brug af konkurrenceudsættelse for at afprøve tilbuddenes pris og kvalitet {Mulighed 5}."),
        ("wrong_group", "Politikerne mente, at konkurrenceudsættelse af opgaverne ikke er vejen frem {ikke vejen frem}."),
        ("wrong_group", "Fagpersonerne skrev, at konkurrenceudsættelse ikke er en god vej {ikke en god vej}."),
        ("wrong_group", "Brugerne foreslog øget brug af konkurrenceudsættelse for at afprøve tilbuddenes pris- og kvalitetsniveau {Mulighed 5}."),
        ("changed_date", "På mødet den 18. februar 2017 sagde brugerne, at konkurrenceudsættelse af opgaverne ikke er vejen frem {ikke vejen frem}."),
        ("added_reason", "Brugerne mente, at konkurrenceudsættelse ikke er vejen frem, fordi udbuddet gav dårligere kvalitet for beboerne {ikke vejen frem}."),
        ("added_reason", "Brugerne var imod konkurrenceudsættelse, fordi private leverandører er for dyre {ikke en god vej}."),
        ("stacked_citations", "Brugerne ønskede, at alle botilbud konkurrenceudsættes inden 2019 {ikke vejen frem}{ikke en god vej}{Mulighed 5}{passende volumen}."),
        ("stacked_citations", "Brugerne mente, at konkurrenceudsættelse af opgaverne ikke er vejen frem {ikke vejen frem}{passende volumen}."),
        ("refusal_prefix", "Det fremgår ikke af materialet, hvorfor brugerne skiftede holdning, men i dag støtter de konkurrenceudsættelse."),
        ("refusal_prefix", "Det fremgår ikke af materialet, hvad politikerne mente. Brugerne støtter i dag konkurrenceudsættelse {ikke vejen frem}."),
        ("uncited_lead_in", "Brugerne støtter konkurrenceudsættelse:\n- Konkurrenceudsættelse af opgaverne er ikke vejen frem {ikke vejen frem}."),
        ("uncited_lead_in", "Kort fortalt ønsker brugerne mere udbud:\n- Brugerne sagde, at konkurrenceudsættelse ikke er en god vej {ikke en god vej}."),
        ("refused_supported", "Det fremgår ikke af materialet, hvad brugerne mente om konkurrenceudsættelse."),
    ]),
    ("Hvor mange deltog i brugerworkshoppen?", [
        ("faithful_close", "Mødet blev holdt på Solrød Rådhus med ca. 26 deltagere, heraf 10 til 12 direkte brugerrepræsentanter {Solrød Rådhus}."),
        ("faithful_close", "Der var ca. 26 deltagere {Solrød Rådhus}."),
        ("faithful_free", "Omkring 26 mennesker deltog, og 10 til 12 af dem var direkte brugerrepræsentanter {Solrød Rådhus}."),
        ("faithful_free", "Brugerworkshoppen blev holdt onsdag den 18. januar 2017 med repræsentanter fra regionens Dialogforum og handicaprådene {onsdag den 18. januar}."),
        ("changed_count", "Der var cirka 12 deltagere, heraf 10 brugerrepræsentanter {Solrød Rådhus}."),
        ("changed_count", "Mødet på Solrød Rådhus havde ca. 62 deltagere {Solrød Rådhus}."),
        ("changed_count", "Der var ca. 26 deltagere, heraf 26 direkte brugerrepræsentanter {Solrød Rådhus}."),
        ("changed_count", "Der var ca. 12 deltagere, heraf 10 til 26 brugerrepræsentanter {Solrød Rådhus}."),
        ("changed_date", "Brugerworkshoppen blev holdt onsdag den 18. februar 2017 {onsdag den 18. januar}."),
        ("changed_date", "Mødet på Solrød Rådhus i marts 2017 havde ca. 26 deltagere {Solrød Rådhus}."),
        ("changed_date", "Brugerworkshoppen den 18. januar 2016 havde repræsentanter fra Dialogforum og handicaprådene {onsdag den 18. januar}."),
        ("wrong_group", "Mødet havde ca. 26 deltagere, heraf 10 til 12 politikere {Solrød Rådhus}."),
        ("added_reason", "Der var kun ca. 26 deltagere, fordi mødet lå midt i arbejdstiden {Solrød Rådhus}."),
        ("stacked_citations", "Mødet havde over 100 deltagere fra alle kommuner {Solrød Rådhus}{onsdag den 18. januar}."),
        ("refusal_prefix", "Det fremgår ikke af materialet, men der var vist omkring 40 deltagere."),
        ("uncited_lead_in", "Der deltog 40 brugere:\n- Der var ca. 26 deltagere {Solrød Rådhus}."),
        ("refused_supported", "«Det fremgår ikke af materialet»"),
    ]),
    ("Hvad sagde fagpersonerne om tomme pladser?", [
        ("faithful_close", "Fagpersonerne ville kigge på incitamenterne omkring tomme pladser: jo dygtigere, jo hurtigere bliver man arbejdsløs {arbejdsløse}."),
        ("faithful_close", "Fagpersonerne talte om de tomme pladsers tyranni, som bliver meget individuelt {tyranni}."),
        ("faithful_free", "Ifølge fagpersonerne risikerer dygtige tilbud at gøre sig selv arbejdsløse, så incitamenterne ved tomme pladser bør ses efter {arbejdsløse}."),
        ("reversed", "Fagpersonerne mente, at tomme pladser ikke giver problemer med incitamenterne {arbejdsløse}."),
        ("antonym", "Fagpersonerne ville kigge på incitamenter ved tomme pladser: jo dygtigere, jo langsommere bliver man arbejdsløs {arbejdsløse}."),
        ("wrong_group", "Brugerne talte om de tomme pladsers tyranni {tyranni}."),
        ("wrong_group", "Politikerne ville kigge på incitamenterne ved tomme pladser {arbejdsløse}."),
        ("changed_date", "På mødet den 17. april 2017 talte fagpersonerne om de tomme pladsers tyranni {tyranni}."),
        ("changed_count", "Fagpersonerne nævnte 40 tomme pladser {tyranni}."),
        ("added_reason", "Fagpersonerne talte om de tomme pladsers tyranni, fordi kommunerne betaler for pladser, de ikke bruger {tyranni}."),
        ("stacked_citations", "Fagpersonerne foreslog, at staten betaler for alle tomme pladser {arbejdsløse}{tyranni}."),
        ("uncited_lead_in", "Fagpersonerne ser ingen problemer med tomme pladser:\n- De talte om de tomme pladsers tyranni {tyranni}."),
        ("refused_supported", "Det fremgår ikke af materialet, hvad fagpersonerne sagde."),
    ]),
    ("Hvad sagde politikerne om recovery?", [
        ("faithful_close", "Politikerne på kick-off mødet så recovery som bedre økonomi for kommunerne og bedre kvalitet for borgerne {Recovery= bedre}."),
        ("faithful_close", "Politikerne ønskede fokus på borgernes perspektiv i alt, hvad der gøres, med rehabilitering og recovery som metode {borgernes perspektiv}."),
        ("faithful_free", "Ved kick-off mødet i november 2016 blev recovery set som en gevinst for både kommunernes økonomi og kvaliteten for borgerne {Recovery= bedre}."),
        ("faithful_free", "Politikerne drøftede recovery som begreb, dets indhold og forståelse {Recovery som begreb}."),
        ("reversed", "Politikerne mente ikke, at recovery giver bedre økonomi for kommunerne {Recovery= bedre}."),
        ("antonym", "Politikerne så recovery som dårligere økonomi for kommunerne og bedre kvalitet for borgerne {Recovery= bedre}."),
        ("antonym", "Politikerne mente, at recovery giver bedre økonomi, men dårligere kvalitet for borgerne {Recovery= bedre}."),
        ("wrong_group", "Fagpersonerne så recovery som bedre økonomi for kommunerne og bedre kvalitet for borgerne {Recovery= bedre}."),
        ("wrong_group", "Brugerne drøftede recovery som begreb {Recovery som begreb}."),
        ("changed_date", "På kick-off mødet i december 2016 så politikerne recovery som bedre økonomi for kommunerne {Recovery= bedre}."),
        ("changed_date", "Politikerne ønskede den 7. april 2016 fokus på borgernes perspektiv med recovery som metode {borgernes perspektiv}."),
        ("added_reason", "Politikerne så recovery som bedre økonomi for kommunerne, fordi borgerne så får brug for færre pladser {Recovery= bedre}."),
        ("stacked_citations", "Politikerne besluttede at indføre recovery i alle kommuner fra 2018 {Recovery= bedre}{borgernes perspektiv}{Recovery som begreb}."),
        ("stacked_citations", "Politikerne så recovery som bedre økonomi for kommunerne {Recovery= bedre}{Recovery som begreb}{borgernes perspektiv}."),
        ("refusal_prefix", "Det fremgår ikke af materialet, om det virker, men politikerne besluttede at spare på recovery."),
        ("uncited_lead_in", "Politikerne er skeptiske over for recovery:\n- Recovery giver bedre økonomi for kommunerne {Recovery= bedre}."),
    ]),
    ("Hvordan ønskede brugerne at blive inddraget?", [
        ("faithful_close", "Brugerne ønskede at blive inddraget tidligt i processen for at være med til at formulere indholdet i rammeaftalen {inddraget tidligt}."),
        ("faithful_close", "Der blev givet udtryk for et ønske om, at brugerne og deres pårørende inddrages mere, også i forpligtende samarbejder {inddrages mere}."),
        ("faithful_free", "De bad om at komme med fra starten, så de kunne være med til at formulere rammeaftalens indhold {inddraget tidligt}."),
        ("faithful_free", "Brugerne ville involveres tidligt og være med til at formulere indholdet i rammeaftalen {inddraget tidligt}."),
        ("faithful_free", "Brugerne ønskede dialogbaserede forpligtende samarbejder, hvor de og de pårørende inddrages mere {inddrages mere}."),
        ("reversed", "Brugerne ønskede ikke at blive inddraget i processen {inddraget tidligt}."),
        ("antonym", "Brugerne ønskede at blive inddraget sent i processen for at formulere indholdet i rammeaftalen {inddraget tidligt}."),
        ("antonym", "Brugerne ønskede, at de og deres pårørende inddrages mindre {inddrages mere}."),
        ("wrong_group", "Politikerne ønskede at blive inddraget tidligt i processen for at formulere indhold i rammeaftalen {inddraget tidligt}."),
        ("wrong_group", "Fagpersonerne ønskede, at brugerne inddrages mere i forpligtende samarbejder {inddrages mere}."),
        ("changed_date", "På temamødet den 7. maj 2017 ønskede brugerne at blive inddraget tidligt i processen {inddraget tidligt}."),
        ("added_reason", "Brugerne ønskede at blive inddraget tidligt i processen, fordi de tidligere var blevet overset {inddraget tidligt}."),
        ("stacked_citations", "Brugerne krævede vetoret over alle beslutninger i rammeaftalen {inddraget tidligt}{inddrages mere}{Brugerinddragelse blev drøftet}."),
        ("refusal_prefix", "Det fremgår ikke af materialet, hvordan det skulle ske, men brugerne ønskede selv at lede processen."),
        ("uncited_lead_in", "Brugerne ønskede at lede processen selv:\n- De ønskede at blive inddraget tidligt i processen {inddraget tidligt}."),
        ("refused_supported", "Det fremgår ikke af materialet."),
    ]),
    ("Hvad sagde politikerne om takster og gennemsigtighed?", [
        ("faithful_close", "Politikerne på kick-off mødet ønskede gennemskuelige takster, gennemskuelige tilbud og indsigt i tilbud på tværs {Gennemskuelig takster}."),
        ("faithful_close", "Politikerne ønskede et større fokus på de private udbyderes pris og kvalitet {private udbyderes}."),
        ("faithful_close", "Politikerne ønskede synlig sammenhæng mellem takst, kvalitet og effekt {Synlig sammenhæng}."),
        ("faithful_free", "Politikerne ville se klarere, hvad private udbydere tager i pris, og hvilken kvalitet de leverer {private udbyderes}."),
        ("faithful_free", "Ved kick-off mødet efterlyste politikerne mere gennemsigtighed i taksterne og tilbuddene {Gennemskuelig takster}."),
        ("reversed", "Politikerne ønskede ikke fokus på de private udbyderes pris og kvalitet {private udbyderes}."),
        ("antonym", "Politikerne ønskede et mindre fokus på de private udbyderes pris og kvalitet {private udbyderes}."),
        ("antonym", "Politikerne ønskede uigennemsigtige takster {Gennemskuelig takster}."),
        ("wrong_group", "Brugerne ønskede et større fokus på de private udbyderes pris og kvalitet {private udbyderes}."),
        ("wrong_group", "Arrangørerne ønskede gennemskuelige takster og indsigt i tilbud på tværs {Gennemskuelig takster}."),
        ("changed_date", "På kick-off mødet den 25. oktober 2016 ønskede politikerne gennemskuelige takster {Gennemskuelig takster}."),
        ("changed_count", "Politikerne ønskede fire former for gennemsigtighed i taksterne {Gennemskuelig takster}."),
        ("added_reason", "Politikerne ønskede gennemskuelige takster, fordi taksterne var steget med 20 procent {Gennemskuelig takster}."),
        ("added_reason", "Politikerne ønskede fokus på de private udbyderes pris og kvalitet, fordi de private er dyrere end de kommunale {private udbyderes}."),
        ("stacked_citations", "Politikerne besluttede at fastfryse alle takster i 2018 {Gennemskuelig takster}{private udbyderes}{Synlig sammenhæng}."),
        ("uncited_lead_in", "Politikerne var tilfredse med taksterne:\n- De ønskede synlig sammenhæng mellem takst, kvalitet og effekt {Synlig sammenhæng}."),
        ("refused_supported", "Det fremgår ikke af materialet."),
    ]),
    ("Hvor mange deltog i processen i alt?", [
        ("faithful_close", "I alt har mere end 200 politikere, fagfolk og repræsentanter for brugerne deltaget i processen {mere end 200}."),
        ("faithful_close", "Som afslutning på processen var udvalgsmedlemmer og KKR's dialogforum samlet den 7. april 2017 {mere end 200}."),
        ("faithful_free", "Over 200 personer, både politikere, fagfolk og brugerrepræsentanter, har været med i processen {mere end 200}."),
        ("changed_count", "I alt har mere end 300 politikere, fagfolk og brugere deltaget i processen {mere end 200}."),
        ("changed_count", "I alt har 20 politikere deltaget i processen {mere end 200}."),
        ("changed_date", "Processen blev afsluttet den 7. maj 2017 med udvalgsmedlemmer og KKR's dialogforum {mere end 200}."),
        ("changed_date", "Som afslutning var udvalgsmedlemmerne samlet den 8. april 2017 {mere end 200}."),
        ("reversed", "Der har ikke deltaget repræsentanter for brugerne i processen {mere end 200}."),
        ("wrong_group", "I alt har mere end 200 borgmestre deltaget i processen {mere end 200}."),
        ("added_reason", "Mere end 200 deltog i processen, fordi deltagelse var obligatorisk for alle kommuner {mere end 200}."),
        ("refusal_prefix", "Det fremgår ikke af materialet, hvor mange der deltog, men det var omkring 50."),
        ("uncited_lead_in", "Der deltog 500 personer i alt:\n- Mere end 200 politikere, fagfolk og brugere deltog {mere end 200}."),
        ("refused_supported", "Det fremgår ikke af materialet, hvor mange der deltog i alt."),
    ]),
    ("Hvad sagde fagpersonerne om specialisering?", [
        ("faithful_close", "Fagpersonerne foreslog, at kommuner kan specialisere sig inden for hver deres område, så alle har en specialistviden {Kommuner kan specialisere sig}."),
        ("faithful_close", "Fagpersonerne spurgte, om det er specialiseret, eller om det bare er dyrt {bare dyrt}."),
        ("faithful_close", "Fagpersonerne mente, at socialpsykiatri ikke er en specialisering, og ønskede samarbejde om specialiserede kompetencer frem for institutioner {Socialpsykiatri er ikke}."),
        ("faithful_free", "Ifølge fagpersonerne kunne hver kommune specialisere sig på sit område, så viden kan hentes i nærområdet {Kommuner kan specialisere sig}."),
        ("faithful_free", "Fagpersonerne stillede fleksibilitet op over for specialisering {bare dyrt}."),
        ("reversed", "Fagpersonerne mente, at socialpsykiatri er en specialisering {Socialpsykiatri er ikke}."),
        ("reversed", "Fagpersonerne ønskede samarbejde om institutioner, ikke om specialiserede kompetencer {Socialpsykiatri er ikke}."),
        ("antonym", "Fagpersonerne spurgte, om det er specialiseret, eller om det bare er billigt {bare dyrt}."),
        ("wrong_group", "Politikerne spurgte, om det er specialiseret, eller om det bare er dyrt {bare dyrt}."),
        ("wrong_group", "Brugerne foreslog, at kommuner specialiserer sig inden for hver deres område {Kommuner kan specialisere sig}."),
        ("changed_date", "På mødet den 17. marts 2016 spurgte fagpersonerne, om det er specialiseret eller bare dyrt {bare dyrt}."),
        ("changed_date", "På mødet i januar 2017 mente fagpersonerne, at socialpsykiatri ikke er en specialisering {Socialpsykiatri er ikke}."),
        ("added_reason", "Fagpersonerne mente, at socialpsykiatri ikke er en specialisering, fordi alle kommuner allerede har tilbud på området {Socialpsykiatri er ikke}."),
        ("stacked_citations", "Fagpersonerne ville samle al specialisering i regionen {Kommuner kan specialisere sig}{bare dyrt}{Socialpsykiatri er ikke}."),
        ("refusal_prefix", "Det fremgår ikke af materialet, hvad det koster, men fagpersonerne ville lukke de specialiserede tilbud."),
        ("uncited_lead_in", "Fagpersonerne vil afskaffe specialisering:\n- De spurgte, om det er specialiseret eller bare dyrt {bare dyrt}."),
        ("refused_supported", "Det fremgår ikke af materialet."),
    ]),
    ("Hvad sagde brugerne om pårørende?", [
        ("faithful_close", "Brugerne sagde, at der er behov for et større og tættere samarbejde mellem det enkelte tilbud og de pårørende {viden de pårørende}."),
        ("faithful_close", "Brugerne mente, at den viden, de pårørende har, skal bruges bedre i samarbejdet {viden de pårørende}."),
        ("faithful_free", "Tilbuddene skal ifølge brugerne samarbejde mere og tættere med de pårørende og gøre bedre brug af deres viden {viden de pårørende}."),
        ("faithful_free", "Brugerne ønskede, at både de selv og de pårørende inddrages mere {inddrages mere}."),
        ("reversed", "Brugerne mente ikke, at der er behov for et tættere samarbejde med de pårørende {viden de pårørende}."),
        ("reversed", "Brugerne ønskede ikke mere samarbejde med de pårørende {viden de pårørende}."),
        ("antonym", "Brugerne sagde, at der er behov for et mindre samarbejde mellem tilbuddet og de pårørende {viden de pårørende}."),
        ("wrong_group", "Politikerne sagde, at der er behov for et tættere samarbejde mellem tilbuddene og de pårørende {viden de pårørende}."),
        ("changed_date", "Ved brugerworkshoppen i februar 2017 ønskede brugerne et tættere samarbejde med de pårørende {viden de pårørende}."),
        ("added_reason", "Brugerne ønskede et tættere samarbejde med de pårørende, fordi tilbuddene ofte overser pårørendes klager {viden de pårørende}."),
        ("stacked_citations", "Brugerne krævede, at de pårørende får vetoret over tilbuddene {viden de pårørende}{inddrages mere}."),
        ("uncited_lead_in", "Brugerne ønsker ikke de pårørende med:\n- Der er behov for et tættere samarbejde med de pårørende {viden de pårørende}."),
        ("refused_supported", "Det fremgår ikke af materialet, hvad brugerne sagde om pårørende."),
    ]),
    # a second set, written later in other words, questions repeated

 ("Hvad sagde brugerne om overgange?", [
  ("faithful_free", "Brugerne pegede på, at især overgangen fra sygehus til kommune for psykisk syge skal have fokus {sygehus til kommune}."),
  ("faithful_free", "På temamødet i april 2017 bad brugerne om fokus på overgangene mellem myndighed og tilbud {mellem myndighed og tilbud}."),
  ("faithful_close", "Brugerne sagde: «Vi ønsker fokus på overgange mellem myndighed og tilbud» {mellem myndighed og tilbud}."),
  ("reversed", "Brugerne fandt ikke overgangen fra sygehus til kommune vigtig {sygehus til kommune}."),
  ("wrong_group", "Handicaprådene mente, at overgangen fra barn til voksen skal styrkes med tidlig forberedelse {fra barn til voksen}."),
  ("changed_date", "På politikertemamødet den 7. april 2022 ønskede brugerne fokus på overgange mellem myndighed og tilbud {mellem myndighed og tilbud}."),
  ("added_reason", "Brugerne ønskede fokus på overgangen fra sygehus til kommune, da mange bliver udskrevet for tidligt {sygehus til kommune}."),
  ("stacked_citations", "Alle parter var enige om, at overgangene er det vigtigste tema {mellem myndighed og tilbud}{sygehus til kommune}{fra barn til voksen}."),
 ]),
 ("Hvad mente brugerne om konkurrenceudsættelse?", [
  ("faithful_free", "Brugerne ville ikke have opgaverne konkurrenceudsat {ikke vejen frem}."),
  ("faithful_free", "Brugerne så ikke konkurrenceudsættelse som en god vej frem {ikke en god vej}."),
  ("faithful_close", "Ifølge brugerne er konkurrenceudsættelse ikke en god vej {ikke en god vej}."),
  ("reversed", "Brugerne så konkurrenceudsættelse som vejen frem for opgaverne {ikke vejen frem}."),
  ("reversed", "Brugerne anbefalede konkurrenceudsættelse {ikke en god vej}."),
  ("antonym", "Brugerne mente, at konkurrenceudsættelse er en god vej {ikke en god vej}."),
  ("wrong_group", "Styregruppen mente, at konkurrenceudsættelse ikke er en god vej {ikke en god vej}."),
  ("refusal_prefix", "Det fremgår ikke af materialet. Men brugerne støtter konkurrenceudsættelse {ikke vejen frem}."),
 ]),
 ("Hvor mange deltog i brugerworkshoppen?", [
  ("faithful_free", "Cirka 26 personer deltog i mødet på Solrød Rådhus {Solrød Rådhus}."),
  ("changed_count", "Der var ca. 26 deltagere, heraf 14 direkte brugerrepræsentanter {Solrød Rådhus}."),
  ("changed_count", "Der var omkring tredive deltagere {Solrød Rådhus}."),
  ("changed_date", "Brugerworkshoppen blev holdt tirsdag den 18. januar 2017 {onsdag den 18. januar}."),
 ]),
 ("Hvad sagde politikerne om recovery?", [
  ("faithful_free", "For politikerne betød recovery både bedre økonomi for kommunerne og bedre kvalitet for borgerne {Recovery= bedre}."),
  ("antonym", "Politikerne så recovery som bedre økonomi for kommunerne, men lavere kvalitet for borgerne {Recovery= bedre}."),
  ("wrong_group", "Fagfolkene mente, at recovery giver bedre økonomi for kommunerne {Recovery= bedre}."),
  ("added_reason", "Recovery giver bedre økonomi for kommunerne, fordi borgerne bliver hurtigere selvhjulpne {Recovery= bedre}."),
 ]),
 ("Hvordan ønskede brugerne at blive inddraget?", [
  ("faithful_free", "De bad om at komme med fra starten {inddraget tidligt}."),
  ("faithful_free", "Brugerne ønskede at være med tidligt i processen og være med til at formulere rammeaftalens indhold {inddraget tidligt}."),
  ("reversed", "Brugerne ønskede at blive inddraget sent i processen {inddraget tidligt}."),
  ("uncited_lead_in", "Brugerne ønsker ingen inddragelse:\n- Vi ønsker at blive inddraget tidligt i processen {inddraget tidligt}."),
 ]),
    # a third set, written after the verifier was tuned (measured first as held-out replies)

 ("Hvad sagde fagpersonerne om tomme pladser?", [
  ("faithful_free", "Fagpersonerne advarede om, at dygtige tilbud hurtigt kan blive arbejdsløse, og ville derfor se på incitamenterne {arbejdsløse}."),
  ("faithful_close", "Fagpersonerne nævnte de tomme pladsers tyranni {tyranni}."),
  ("reversed", "Fagpersonerne mente, at tomme pladser ikke er et tyranni {tyranni}."),
  ("wrong_group", "Udvalgsmedlemmerne talte om de tomme pladsers tyranni {tyranni}."),
  ("added_reason", "Fagpersonerne ville se på incitamenterne, da kommunerne betaler for tomme pladser {arbejdsløse}."),
 ]),
 ("Hvad sagde politikerne om takster og gennemsigtighed?", [
  ("faithful_free", "Politikerne ville have gennemskuelige takster og tilbud og indsigt på tværs {Gennemskuelig takster}."),
  ("faithful_free", "Politikerne ville kende sammenhængen mellem takst, kvalitet og effekt {Synlig sammenhæng}."),
  ("antonym", "Politikerne ønskede et mindre fokus på private udbyderes priser {private udbyderes}."),
  ("reversed", "Politikerne ønskede ikke synlig sammenhæng mellem takst og kvalitet {Synlig sammenhæng}."),
  ("changed_date", "På politikertemamødet i maj 2017 ønskede politikerne fokus på de private udbyderes pris {private udbyderes}."),
 ]),
 ("Hvad sagde fagpersonerne om specialisering?", [
  ("faithful_free", "Fagpersonerne foreslog, at kommunerne specialiserer sig på hver sit område {Kommuner kan specialisere sig}."),
  ("faithful_close", "Fagpersonerne spurgte, om noget er specialiseret eller bare dyrt {bare dyrt}."),
  ("reversed", "Fagpersonerne mente ikke, at kommuner kan specialisere sig {Kommuner kan specialisere sig}."),
  ("wrong_group", "Sekretariatet spurgte, om det er specialiseret eller bare dyrt {bare dyrt}."),
  ("stacked_citations", "Fagpersonerne ville nedlægge socialpsykiatrien {bare dyrt}{Socialpsykiatri er ikke}{Kommuner kan specialisere sig}."),
 ]),
 ("Hvad sagde brugerne om pårørende?", [
  ("faithful_free", "Brugerne ville have tilbuddene til at bruge de pårørendes viden bedre {viden de pårørende}."),
  ("faithful_free", "Ifølge brugerne skal samarbejdet mellem tilbud og pårørende være større og tættere {viden de pårørende}."),
  ("antonym", "Brugerne ønskede et løsere samarbejde mellem tilbuddene og de pårørende {viden de pårørende}."),
  ("changed_count", "Brugerne nævnte tre måder at bruge de pårørendes viden på {viden de pårørende}."),
  ("uncited_lead_in", "Brugerne vil holde de pårørende ude:\n- Den viden, de pårørende har, skal bruges bedre {viden de pårørende}."),
 ]),
 ("Hvor mange deltog i processen i alt?", [
  ("faithful_free", "Mere end 200 deltog i alt, blandt dem politikere, fagfolk og brugerrepræsentanter {mere end 200}."),
  ("changed_count", "Omkring 150 personer deltog i processen {mere end 200}."),
  ("wrong_group", "Mere end 200 konsulenter deltog i processen {mere end 200}."),
  ("refusal_prefix", "Det fremgår ikke af materialet, men sandsynligvis deltog alle kommuner."),
 ]),

 ("Hvad mente brugerne om konkurrenceudsættelse?", [
  ("faithful_free", "Brugerne sagde nej til konkurrenceudsættelse af opgaverne {ikke vejen frem}."),
  ("faithful_free", "Brugerrepræsentanterne var kritiske over for konkurrenceudsættelse og henviste til udbuddet af botilbudspladser {ikke vejen frem}."),
  ("reversed", "Brugerne bakkede op om konkurrenceudsættelse af opgaverne {ikke vejen frem}."),
  ("added_reason", "Brugerne var imod konkurrenceudsættelse, idet kvaliteten faldt efter udbuddet {ikke vejen frem}."),
  ("stacked_citations", "Brugerne ønskede flere udbud på hele området {ikke vejen frem}{Mulighed 5}{passende volumen}."),
  ("refused_supported", "Passagerne siger intet om brugernes holdning til konkurrenceudsættelse."),
 ]),
 ("Hvad sagde brugerne om overgange?", [
  ("faithful_free", "Brugerne lagde vægt på overgangene for psykisk syge, ikke mindst når de går fra sygehus til kommune {sygehus til kommune}."),
  ("faithful_close", "Brugerne: «Vi ønsker fokus på overgange mellem myndighed og tilbud» {mellem myndighed og tilbud}."),
  ("wrong_group", "Borgmestrene ønskede fokus på overgange mellem myndighed og tilbud {mellem myndighed og tilbud}."),
  ("changed_date", "Den 18. januar 2018 ønskede brugerne fokus på overgangen fra sygehus til kommune {sygehus til kommune}."),
  ("uncited_lead_in", "Overgange er ikke vigtige for brugerne:\n- Det bør være et fokusområde at kigge på overgangene for de psykisk syge {sygehus til kommune}."),
 ]),
 ("Hvor mange deltog i brugerworkshoppen?", [
  ("faithful_free", "Workshoppen samlede cirka 26 deltagere, hvoraf 10-12 var direkte brugerrepræsentanter {Solrød Rådhus}."),
  ("changed_count", "Der var ca. 26 deltagere, heraf 12 til 14 direkte brugerrepræsentanter {Solrød Rådhus}."),
  ("changed_count", "Mødet havde 10 deltagere {Solrød Rådhus}."),
 ]),
 ("Hvad sagde politikerne om recovery?", [
  ("faithful_free", "Politikerne mente, at recovery både styrker kommunernes økonomi og giver borgerne bedre kvalitet {Recovery= bedre}."),
  ("antonym", "Politikerne så recovery som en udgift, der forværrer kommunernes økonomi {Recovery= bedre}."),
  ("changed_date", "Ved kick-off mødet den 25. november 2017 så politikerne recovery som bedre økonomi {Recovery= bedre}."),
 ]),
 ("Hvordan ønskede brugerne at blive inddraget?", [
  ("faithful_free", "Brugerne ønskede at blive involveret tidligt, så de kunne præge rammeaftalens indhold {inddraget tidligt}."),
  ("reversed", "Brugerne ønskede ikke at formulere indhold i rammeaftalen {inddraget tidligt}."),
  ("wrong_group", "Fagpersonerne ønskede at blive inddraget tidligt i processen {inddraget tidligt}."),
 ]),
]


# -- running a reply ------------------------------------------------------------------------
_BLOCK_RE = re.compile(r"^\[(\d+)\] [^\n]*\n(.*?)(?=\n\n\[\d+\] |\n\nSpørgsmål: )", re.S | re.M)


def resolve(reply: str, prompt: str) -> str:
    """The reply with each {anchor} replaced by the citation marker of the passage holding it."""
    blocks = {int(n): " ".join(text.split()) for n, text in _BLOCK_RE.findall(prompt)}

    def marker(m):
        anchor = " ".join(m.group(1).split())
        hits = [n for n, text in blocks.items() if anchor in text]
        return f" [{hits[0]}]" if hits else " [99]"  # a missing anchor shows as an unknown citation
    return re.sub(r"\s*\{([^{}]+)\}", marker, reply)


def scripted(reply: str):
    def answer(body: dict) -> str:
        prompt = (body.get("messages") or [{}])[-1].get("content") or ""
        return resolve(reply, prompt)
    return answer


def shown(out: dict) -> bool:
    return out.get("generated") is True


def run_suite(assistant, server, cases=CASES, paths=("ask", "ask_stream")) -> list[dict]:
    rows = []
    for question, replies in cases:
        for cls, reply in replies:
            server.reply = scripted(reply)
            for path in paths:
                if path == "ask":
                    out = assistant.ask(question)
                else:
                    out = [i for i in assistant.ask_stream(question) if isinstance(i, dict)][-1]
                rows.append({"class": cls, "faithful": cls in FAITHFUL, "path": path, "question": question,
                             "reply": resolve(reply, server.requests[-1]["body"]["messages"][-1]["content"])
                             if server.requests else reply,
                             "shown": shown(out), "fallback_reason": out.get("fallback_reason"),
                             "check": out.get("rejected_check"), "refused": out.get("refused")})
    return rows


def table(rows: list[dict]) -> str:
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["class"]].append(r)
    lines = [f"{'class':<20} {'replies':>7} {'runs':>5} {'shown-unfaithful':>17} {'faithful-fallback':>18}"]
    tot = {"u": [0, 0], "f": [0, 0]}
    for cls in sorted(by, key=lambda c: (c not in FAITHFUL, c)):
        rs = by[cls]
        n = len(rs)
        replies = len({(r["question"], r["reply"]) for r in rs})
        if cls in FAITHFUL:
            bad = sum(not r["shown"] for r in rs)
            tot["f"][0] += bad
            tot["f"][1] += n
            lines.append(f"{cls:<20} {replies:>7} {n:>5} {'-':>17} {bad / n:>17.1%}")
        else:
            bad = sum(r["shown"] for r in rs)
            tot["u"][0] += bad
            tot["u"][1] += n
            lines.append(f"{cls:<20} {replies:>7} {n:>5} {bad / n:>16.1%} {'-':>18}")
    lines.append(f"{'ALL unfaithful':<20} {'':>7} {tot['u'][1]:>5} {tot['u'][0] / max(1, tot['u'][1]):>16.1%} {'-':>18}")
    lines.append(f"{'ALL faithful':<20} {'':>7} {tot['f'][1]:>5} {'-':>17} {tot['f'][0] / max(1, tot['f'][1]):>17.1%}")
    return "\n".join(lines)


def rates(rows: list[dict]) -> tuple[float, float]:
    unf = [r for r in rows if not r["faithful"]]
    fai = [r for r in rows if r["faithful"]]
    return (sum(r["shown"] for r in unf) / len(unf), sum(not r["shown"] for r in fai) / len(fai))


# -- the tests ------------------------------------------------------------------------------
def _llm_assistant(settings, server):
    from assistant import Assistant
    s = dataclasses.replace(settings, generator="openai", llm_url=server.url, llm_model="test", llm_timeout_s=20.0)
    return Assistant(s, build_if_missing=False)


@pytest.fixture(scope="module")
def suite_rows(settings, built_index):
    from tests.test_llm import ScriptedServer
    srv = ScriptedServer()
    try:
        yield run_suite(_llm_assistant(settings, srv), srv)
    finally:
        srv.close()


def test_suite_is_large_and_covers_every_class():
    replies = [r for _, rs in CASES for r in rs]
    assert len(replies) >= 150
    classes = {c for c, _ in replies}
    assert classes >= {"faithful_close", "faithful_free", "reversed", "antonym", "wrong_group", "changed_date",
                       "changed_count", "added_reason", "stacked_citations", "refusal_prefix",
                       "uncited_lead_in", "refused_supported"}


def test_every_anchor_is_retrieved(suite_rows):
    missing = [r for r in suite_rows if "[99]" in r["reply"]]
    assert not missing, [(r["question"], r["reply"]) for r in missing[:3]]


def test_unfaithful_replies_are_not_shown_and_faithful_ones_are(suite_rows):
    print("\n" + table(suite_rows))
    unfaithful_shown, faithful_fallback = rates(suite_rows)
    assert unfaithful_shown <= 0.10, [r["reply"] for r in suite_rows if not r["faithful"] and r["shown"]]
    assert faithful_fallback <= 0.10, [(r["reply"], r["check"]) for r in suite_rows if r["faithful"] and not r["shown"]]


def test_model_refusal_with_support_gives_the_extractive_answer(suite_rows):
    refused = [r for r in suite_rows if r["class"] == "refused_supported"]
    assert refused and all(r["fallback_reason"] == "llm_refused_supported" and r["refused"] is False for r in refused)


def test_ask_and_ask_stream_agree(suite_rows):
    by_reply = defaultdict(set)
    for r in suite_rows:
        by_reply[(r["question"], r["reply"])].add(r["shown"])
    assert all(len(v) == 1 for v in by_reply.values())


# -- the runner ---------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    """Builds (or reuses) an index in a temporary folder with the repository's vector cache,
    runs the suite and prints the per-class table; -v lists the misjudged replies; --ask-only
    skips the streaming path (quicker)."""
    import os
    import tempfile
    from pathlib import Path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from assistant.config import Settings
    from ingest.index import build_index
    from tests.test_llm import ScriptedServer

    repo = Path(__file__).resolve().parent.parent
    data = Path(os.environ.get("ADVERSARIAL_DATA_DIR") or tempfile.mkdtemp(prefix="adversarial-"))
    settings = Settings(data_dir=data, corpus_dir=repo / "corpus", cache_dir=str(repo / "data" / "vector_cache"))
    build_index(settings)
    srv = ScriptedServer()
    try:
        paths = ("ask",) if "--ask-only" in argv else ("ask", "ask_stream")
        rows = run_suite(_llm_assistant(settings, srv), srv, paths=paths)
    finally:
        srv.close()
    print(f"{len({(r['question'], r['reply']) for r in rows})} replies, {len(rows)} runs (ask and ask_stream)")
    print(table(rows))
    if "-v" in argv:
        for r in rows:
            if r["shown"] != r["faithful"] and r["path"] == "ask":
                print(f"MISJUDGED {r['class']}: shown={r['shown']} check={r['check']} reason={r['fallback_reason']}\n  {r['reply']}")
    u, f = rates(rows)
    return 0 if u <= 0.10 and f <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
