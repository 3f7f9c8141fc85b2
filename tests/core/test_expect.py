"""What a question asks for (assistant/expect.toml): amounts the documents never give, and what was
said at a meeting the material holds only the invitation of, are refused; questions about the
topic of prices, or about the invitation itself, are not (no model, no index)."""
from __future__ import annotations

import pytest

from assistant import expect as E

RECORDS = {"dialogmoede_2022": "invitation", "dialogforum_2017": ""}


@pytest.mark.parametrize("question", [
    "Hvad kostede kick-off mødet?",
    "hvor meget koster en plads på et botilbud",
    "hvad var budgettet for workshoppen?",
    "How much did the theme meeting cost?",
    "hvor mange penge blev der brugt på konsulenterne",
])
def test_a_question_for_an_amount_is_unmet_without_an_amount(question):
    gap = E.unmet(question, ["Mødet blev afholdt på Solrød Rådhus og der var ca. 26 deltagere."])
    assert gap is not None and gap.then == "refused" and "beløb" in gap.reason


def test_an_amount_in_a_passage_meets_the_question():
    assert E.unmet("Hvad kostede mødet?", ["Mødet kostede 25.000 kr. i alt."]) is None


@pytest.mark.parametrize("question", [
    "hvad sagde brugerne om prisen?",
    "Hvad mente fagpersonerne om pris og kvalitet?",
    "hvor mange deltog i workshoppen?",
])
def test_questions_about_prices_as_a_topic_ask_for_no_amount(question):
    assert "amount" not in [t.id for t in E.expected(question)]


def test_what_was_said_at_an_invitation_only_meeting_is_unrecorded():
    assert E.unrecorded_meeting("Hvilke konklusioner kom der ud af dialogmødet i 2022?",
                                ["dialogmoede_2022"], RECORDS) == "dialogmoede_2022"
    assert E.unrecorded_meeting("hvad sagde brugerne på dialogmødet 2022", ["dialogmoede_2022"], RECORDS)
    assert "invitationen til dialogmødet 7. april 2022" in E.outcome_reason("dialogmødet 7. april 2022")


def test_the_invitation_itself_and_recorded_meetings_stay_answerable():
    assert E.unrecorded_meeting("hvor blev dialogmødet i 2022 holdt?", ["dialogmoede_2022"], RECORDS) is None
    assert E.unrecorded_meeting("hvad sagde brugerne i solrød?", ["dialogforum_2017"], RECORDS) is None
    # a question naming a recorded meeting beside the unrecorded one is answered from the record
    assert E.unrecorded_meeting("hvad sagde de i ringsted?", ["politikermoede_2017", "dialogmoede_2022"],
                                RECORDS) is None


@pytest.mark.parametrize("question", ["og?", "hvornår", "hvad?", "hej", "tak", "what?", "aa", "å?", "x"])
def test_a_question_naming_nothing_is_vague(question):
    from assistant.query import topic_words
    assert E.vague(question, topic_words(question), named_cue=False)
    assert "Skriv lidt mere" in E.vague_message()


@pytest.mark.parametrize("question", ["hvad sagde de om overgange?", "hovedfokusområder?", "deltagere?", "kkr?", "2022?"])
def test_a_question_with_a_topic_is_not_vague(question):
    from assistant.query import topic_words
    assert not E.vague(question, topic_words(question), named_cue=False)


def test_a_voice_or_meeting_alone_is_a_question():
    assert not E.vague("hvad sagde brugerne?", [], named_cue=True)


def test_a_claim_question_without_its_claim_is_bare():
    from assistant.claims import bare_claim_question, claim_of
    assert bare_claim_question("står det nogen steder, at")
    assert bare_claim_question("Blev det skrevet ned, at?")
    assert not bare_claim_question("står det nogen steder, at ventelisterne er for lange?")
    assert claim_of("står det nogen steder, at ventelisterne er for lange?") == "ventelisterne er for lange"


def test_the_shipped_expectations_file_loads_every_kind():
    assert [t.id for t in E.answer_types()] == ["now", "today", "amount", "quantity", "person", "address", "date", "named", "municipality", "when", "abbreviation", "adoption", "later"]
    assert all(t.asks and t.reason for t in E.answer_types())
    # only "how do things stand now" has nothing in the material that can answer it
    assert [t.id for t in E.answer_types() if not t.holds] == ["now"]


@pytest.mark.parametrize("passage", ["der var ca. 26 deltagere", "Åbenhed/gennemsigtighed (5)",
                                     "steget med 30 procent", "Afprøve 2-3 nye samarbejdsmodeller",
                                     "tre klynger med fire kommuner"])
def test_a_count_question_is_met_by_a_number(passage):
    assert E.unmet("hvor mange var der?", [passage]) is None


def test_a_count_question_is_unmet_by_labels_and_years_but_met_by_a_list():
    texts = ["Udfordring 1: Økonomisk pres på det specialiserede socialområde frem mod 2021"]
    gap = E.unmet("hvor mange børn er anbragt uden for hjemmet", texts)
    assert gap is not None and gap.id == "quantity"
    assert E.unmet("hvor mange temaer var der?", texts, kinds=["list"]) is None


PROGRAMME = ("8.45 Oplæg fra politiker og faglige eksperter:\n"
             "Kirsten Skaue Jørgensen – Forstander på Himmelev Behandlingscenter\n"
             "Henning Olsen – Neuropsykolog ved BOMI Hjerneskadecenter")


@pytest.mark.parametrize("question", ["hvem var formand for dialogforum i 2019?", "hvem sad i politikerpanelet?",
                                      "Hvem underskrev invitationen?", "who chaired the meeting?"])
def test_a_question_for_a_name_needs_a_name_written_as_a_person(question):
    assert E.unmet(question, ["12.10 Panel Panel med politikere", "Region Sjælland og Solrød Kommune"]).id == "person"
    for passage in ["v. formand for KKR Sjælland, borgmester Niels Hörup, Solrød Kommune",
                    "Med venlig hilsen Thomas Knudsen, Styregruppeformand", PROGRAMME]:
        assert E.unmet(question, [passage]) is None


@pytest.mark.parametrize("question", ["hvem sagde at overgange er svære?", "hvem deltog i solrød", "hvem bød velkommen"])
def test_who_said_and_who_took_part_ask_for_no_name(question):
    assert "person" not in [t.id for t in E.expected(question)]


def test_a_date_question_needs_a_day_and_month_not_a_year_or_a_clock_time():
    question = "hvilken dato blev mødet holdt?"
    assert E.unmet(question, ["Rammeaftale 2018 kl. 09.30"]).id == "date"
    assert E.unmet(question, ["Fredag d. 7. april fra kl. 09.30"]) is None


@pytest.mark.parametrize("question", ["hvor mange er på venteliste lige nu?", "what is the status today?",
                                      "hvordan går samarbejdet i øjeblikket"])
def test_how_things_stand_now_is_beyond_the_material(question):
    gap = E.unmet(question, ["Tættere samarbejde om de mest specialiserede tilbud (12 stemmer)"], kinds=["list"])
    assert gap is not None and gap.id in ("now", "today") and "2016-2017" in gap.reason


NAMES = {"kirsten": "Kirsten", "skaue": "Skaue", "jørgensen": "Jørgensen", "himmelev": "Himmelev",
         "henning": "Henning", "olsen": "Olsen", "bomi": "BOMI", "solrød": "Solrød"}


def test_speakers_are_people_written_as_persons_with_their_workplace():
    found = E.speakers([PROGRAMME, "Mødet blev afholdt på Solrød Rådhus"], NAMES)
    assert {"henning", "olsen", "himmelev", "bomi"} <= set(found) and "solrød" not in found


def test_what_a_speaker_listed_only_in_a_programme_said_is_not_recorded():
    speakers = E.speakers([PROGRAMME], NAMES)
    only_programme = lambda words: ["programme_item"]
    assert E.listed_only("hvad fortalte henning olsen?", speakers, only_programme) == "Henning Olsen"
    assert E.listed_only("hvad sagde forstanderen fra himmelev", speakers, only_programme) == "Himmelev"
    assert "Henning Olsen i mødeprogrammet" in E.speech_reason("Henning Olsen")


def test_a_speaker_quoted_in_a_write_up_or_a_question_about_a_talk_stays_answerable():
    speakers = E.speakers([PROGRAMME], NAMES)
    # BOMI also stands in a statement of the write-up ("Der er gode eksempler: BOMI, …")
    assert E.listed_only("hvad sagde de om BOMI?", speakers, lambda words: ["programme_item", "statement"]) == ""
    # what a talk was about is its title in the programme
    assert E.listed_only("hvad handlede henning olsens oplæg om?", speakers, lambda words: ["programme_item"]) == ""
    assert E.listed_only("hvad sagde brugerne om overgange?", speakers, lambda words: []) == ""


def test_which_municipalities_needs_a_municipality_named():
    question = "hvilke kommuner har hjemtaget flest borgere?"
    assert E.unmet(question, ["Lokale hjemtagelsesstrategier i kommunerne"]).id == "municipality"
    assert E.unmet("Hvilken kommunes medborgerpolitik blev brugt?", ["Slagelse Kommunes medborgerpolitik"]) is None


def test_when_something_happened_needs_a_date_a_year_or_a_programme_time():
    question = "hvornår trådte takstbekendtgørelsen i kraft"
    assert E.unmet(question, ["Takstbekendtgørelsen fastsætter rammerne"]).id == "when"
    for passage in ["Analysen fra 2015 viser", "Fredag d. 7. april", "14.00 VELKOMMEN, FORMÅL MED DEN SAMLEDE PROCES"]:
        assert E.unmet(question, [passage]) is None
    assert E.unmet("hvornår blev enqueten præsenteret", ["Kort præsentation af enqueten"], kinds=["programme_item"]) is None


def test_today_is_now_but_thanks_for_today_is_a_programme_item():
    assert E.unmet("hvor mange borgere har i dag en sagsbehandler", ["Der var ca. 26 deltagere"]).id == "today"
    assert "now" not in [t.id for t in E.expected("hvem sagde tak for i dag?")]


def test_a_count_of_a_named_thing_needs_the_number_beside_it():
    question = "hvor mange medarbejdere har sekretariatet?"
    assert E.counted_word(question) == "medarbejdere"
    beside_the_point = ["Oprettelse af jobsøgningsbank for medarbejdere", "tlf. 5588 5016 og to forskellige retninger"]
    assert E.unmet(question, beside_the_point).id == "quantity"
    assert E.unmet(question, ["Sekretariatet har 4 medarbejdere"]) is None
    # the passages count it in other words: any number answers ("26 deltagere" for "mennesker")
    assert E.unmet("hvor mange mennesker kom?", ["der var ca. 26 deltagere"]) is None


def test_dates_times_and_phone_numbers_are_no_counts():
    for passage in ["Tilmeldingsfrist: 5. april 2017", "kl. 09.30 til 12.30"]:
        assert E.unmet("hvor mange var der?", [passage]).id == "quantity", passage


def test_a_count_of_people_asked_with_a_verb_needs_a_number_beside_them():
    # "hvor mange kom / har svaret": the counted thing is the participants
    assert E.counted_word("hvor mange har svaret på enqueten") == "deltagere"
    assert E.counted_word("hvor mange kom til dialogmødet i ringsted") == "deltagere"
    invitation = ["Tilmelding senest 30/3 på telefon 25450946. Program og deltagerliste følger"]
    assert E.unmet("hvor mange kom til dialogmødet i ringsted", invitation).id == "quantity"
    assert E.unmet("hvor mange deltog i mødet i solrød", ["der var ca. 26 deltagere – heraf 10 til 12 brugere"]) is None


def test_a_counted_compound_is_not_its_first_part_and_item_numbers_are_no_counts():
    # "botilbudspladser" is not "botilbud": a percentage about people in botilbud is no count of places
    question = "hvor mange botilbudspladser var med i holbæks udbud"
    assert E.unmet(question, ["et udbud af en række botilbudspladser i Regions Sjælland",
                              "voksne, der bor i botilbud, steget med 30 procent"]).id == "quantity"
    # a numbered list item ("5. I 2021 har …", "2) …") counts nothing
    assert E.unmet("hvor mange har svaret på enqueten", ["Mindst enighed:\n5. I 2021 har alle kommuner\n2) en tilbudsvifte"]).id == "quantity"
    assert E.unmet("hvor mange udsagn var der enighed om", ["De 4 udsagn der var størst enighed om"]) is None


def test_a_counted_word_is_found_as_the_head_of_a_compound_and_run_together_items_count_nothing():
    # «Myndighedsledere og virksomhedsledere» are "ledere": a number has to stand beside them,
    # not a date elsewhere in the passage
    invited = ["Møde med fagpersoner: Myndighedsledere og virksomhedsledere mv. om ny proces.\n"
               "Der var ca. 26 deltagere i Solrød"]
    assert E.unmet("hvor mange ledere kom til mødet", invited).id == "quantity"
    assert E.unmet("hvor mange ledere kom til mødet", ["Der kom 40 virksomhedsledere"]) is None
    # a slide's numbered items run together on one line («… fokuspunkter 1. Gennemsigtige …»)
    assert E.unmet("hvor mange var med", ["Bord 6: Prioriterede fokuspunkter 1. Gennemsigtige fælles tilbud 2. Rejsehold"]).id == "quantity"


def test_now_is_answered_by_a_passage_that_itself_says_how_things_stood():
    # the material's own present ("allerede i dag", "den nuværende rammeaftale") answers "i dag"
    question = "synes fagfolkene at brugerne bliver hørt nok ude på stederne i dag"
    assert E.unmet(question, ["mange tilbud arbejder allerede i dag målrettet på at dokumentere"]) is None
    assert E.unmet(question, ["Den direkte brugerinddragelse fungerer"]).id == "today"
    assert E.unmet("fungerer brugerinddragelsen lige nu", ["mange tilbud arbejder allerede i dag"]).id == "now"
    # a "hvorfor" question asks for a reason, not for an amount or a count
    assert E.unmet("hvorfor er det så svært at sammenligne hvad stederne koster", ["priserne er svære at sammenligne"]) is None
    assert E.unmet("hvad koster en plads", ["priserne er svære at sammenligne"]).id == "amount"


def test_a_name_asked_for_from_a_place_has_to_stand_beside_it_on_its_own_line():
    question = "hvem fra Implement faciliterede workshoppene?"
    programme = ["12.15 Tak for i dag v. næstformand, borgmester Knud Erik Hansen, Faxe Kommune og den videre proces v.\nImplement",
                 "et kort indledende oplæg fra Implement om samme emne"]
    assert E.unmet(question, programme).id == "person"
    assert E.unmet(question, ["Oplæg v. konsulent Anne Hansen, Implement"]) is None
    assert E.unmet("hvad hed konsulenten fra implement", programme).id == "person"


def test_an_abbreviation_is_written_out_only_where_a_passage_expands_it():
    question = "hvad står forkortelsen BIU for?"
    assert E.unmet(question, ["Opsummering\nAnbringelser af BIU\nOpsamling af viden (se bilag)"]).id == "abbreviation"
    assert E.unmet(question, ["Anbringelser af BIU (børn i udsatte positioner)"]) is None
    for other in ("hvad står der om BIU?", "hvad står der for bord 3?"):
        assert "abbreviation" not in [t.id for t in E.expected(other)], other


@pytest.mark.parametrize("question", ["hvornår blev rammeaftale 2018 så endelig vedtaget i kkr",
                                      "blev aftalen godkendt til sidst?", "was the agreement adopted in the end"])
def test_the_adoption_of_the_agreement_needs_a_passage_that_records_it(question):
    process = ["Der har været afholdt Kick-Off møde for politikere i november 2016.",
               "Rammeaftalen er opbygget med en udviklingsaftale og en styringsaftale."]
    gap = E.unmet(question, process)
    assert gap is not None and gap.id == "adoption" and "vedtaget" in gap.reason
    assert E.unmet(question, ["Rammeaftalen blev vedtaget i KKR den 12. juni 2017."]) is None


def test_what_a_meeting_decided_asks_for_no_adoption():
    assert E.unmet("hvad vedtog politikerne på temamødet?", ["Bord 1: Prioriteret fokuspunkt"]) is None


@pytest.mark.parametrize("question", [
    "er kompetencecentret blevet oprettet og hvor ligger det",
    "hvilke pilotprojekter blev sat i gang efter dialogmødet i 2022?",
    "hvad er siden kommet med i rammeaftalen af forslagene",
    "has the competence centre been set up?",
])
def test_what_happened_after_the_meetings_needs_a_passage_that_reports_it(question):
    idea = ["Et kompetencecenter kunne samle den specialiserede viden på tværs af kommunerne."]
    gap = E.unmet(question, idea)
    assert gap is not None and gap.id == "later" and gap.then == "refused"
    assert E.unmet(question, ["I region Nordjylland er der etableret et fælles kompetencecenter."]) is None


@pytest.mark.parametrize("question", ["hvad kom der ud af mødet i solrød?", "hvad skete der på kick-off mødet?",
                                      "hvad blev der sat i gang af drøftelser ved bordene?"])
def test_questions_about_the_meetings_themselves_do_not_ask_what_happened_after(question):
    assert "later" not in {t.id for t in E.expected(question)}


@pytest.mark.parametrize("question", ["koster det noget at deltage i dialogmødet 7/4-2022",
                                      "kan man parkere gratis ved kongrescentret", "is it free to attend?"])
def test_whether_attending_costs_anything_needs_a_price_or_free_in_a_passage(question):
    programme = ["Mødet afholdes i Ringsted Kongrescenter kl. 16-19 og afsluttes med sandwich."]
    gap = E.unmet(question, programme)
    assert gap is not None and gap.id == "amount"
    assert E.unmet(question, ["Deltagelse er gratis, og der er parkering ved døren."]) is None


@pytest.mark.parametrize("question", ["kan du nævne alle de 17 kommuner i regionen ved navn",
                                      "hvad er de 31 målgrupper", "list the 17 municipalities"])
def test_the_members_of_a_large_group_need_a_passage_that_lists_them(question):
    mention = ["Tilbud til de 31 målgrupper planlægges på tværs af de 17 kommuner."]
    reason = E.unlisted(question, mention)
    assert reason.startswith("Materialet nævner de ") and "opregner dem ikke" in reason
    many = "\n".join(f"Punkt {i}" for i in range(40))
    assert E.unlisted(question, [many]) == ""
    assert E.unlisted(question, ["Holbæk, Kalundborg, Lejre, Odsherred, Roskilde, Solrød, Greve, Køge, Stevns, "
                                 "Faxe, Ringsted, Sorø, Slagelse, Næstved, Vordingborg, Guldborgsund, Lolland, "
                                 "Faxe, Holbæk, Lejre, Roskilde, Greve, Køge, Stevns, Sorø, Næstved, Lolland, "
                                 "Odsherred, Kalundborg, Slagelse og Ringsted"]) == ""


def test_a_short_list_or_a_question_about_the_group_is_not_checked_for_its_members():
    assert E.unlisted("hvad er de tre visioner", ["Vision 1: Fælles udvikling"]) == ""
    assert E.unlisted("hvad var ulemperne ved at planlægge tilbud til de 31 målgrupper", ["Ulemper: …"]) == ""


def test_a_long_question_of_small_words_is_searched_not_called_vague():
    # «Vi i stedet for os-dem» stands on Bord 10's card: every word is a stopword
    assert not E.vague("hvem ville have at det skulle være vi i stedet for os og dem", [], False)
    assert E.vague("og hvad med det", [], False)


def test_a_name_in_a_programme_set_in_capitals_answers_who_opened_the_meeting():
    programme = ["12.00 VELKOMMEN OG DAGENS PROGRAM V. DIREKTØR BRUNO LIND, NÆSTVED KOMMUNE"]
    assert E.unmet("hvem åbnede mødet for lederne d 17 marts", programme) is None
    assert E.unmet("hvem åbnede mødet", ["12.00 VELKOMMEN OG DAGENS PROGRAM"]).id == "person"


def test_a_question_word_found_only_in_an_empty_sections_heading_names_that_heading():
    from assistant.expect import heading_only
    assert heading_only(["mentimeter"], ["Tak for denne gang", "Mentimetermåling"]) == "Mentimetermåling"
    assert heading_only(["syddanmark"], ["Mentimetermåling"]) == ""


def test_what_a_group_said_about_how_things_stood_is_no_question_about_today():
    # "i dag" in a question about what was said is the speakers' today, not the user's
    said = "dem fra kommunerne, hvad sagde de om hvordan brugerinddragelsen virker ude på stederne i dag"
    assert "today" not in [t.id for t in E.expected(said)]
    assert "today" in [t.id for t in E.expected("hvordan virker brugerinddragelsen ude på stederne i dag")]


def test_a_count_of_people_in_general_may_stand_anywhere_in_the_passage():
    # «mere end 200 politikere, fagfolk …» counts the "personer" of the question
    passage = ("I alt har mere end 200 politikere, fagfolk fra myndighedsfunktionerne og fra tilbuddene samt "
               "repræsentanter for brugerne deltaget i processen. Det faglige personale skal klædes på.")
    assert E.unmet("hvor mange personer deltog samlet set i hele processen", [passage]) is None
    # a count of a named thing still needs its number beside it
    assert E.unmet("hvor mange medarbejdere deltog", ["Medarbejdere fra tilbuddene deltog i drøftelserne om fremtidens samarbejde. "
                                                          "Der var 17 kommuner med."]) is not None


def test_how_many_came_to_a_meeting_the_material_has_only_the_invitation_of_is_unrecorded():
    records = {"dialogmoede_2022": "invitation"}
    for question in ("var der mange tilmeldte til kongrescenter-mødet i 2022, hvor mange blev det",
                     "hvor mange kom til dialogmødet i 2022"):
        assert E.unrecorded_meeting(question, ["dialogmoede_2022"], records) == "dialogmoede_2022"
    assert "hvem der kom" in E.outcome_reason("dialogmødet 7. april 2022")


def test_an_amount_asked_as_how_big_a_sum_needs_an_amount():
    assert "amount" in [t.id for t in E.expected("hvor stort et beløb skulle udviklingspuljen have")]
    assert "person" in [t.id for t in E.expected("hvem var KKR's formand i 2022")]


def test_the_expectations_file_loads_with_every_type():
    # a pattern that breaks the TOML would silently turn every evidence check off
    ids = {t.id for t in E.answer_types()}
    assert {"amount", "quantity", "person", "date", "municipality", "when", "today"} <= ids


def test_an_address_has_to_stand_on_the_line_of_the_place_asked_about():
    venue = ["FREDAG D. 7. APRIL 2017, SØRUP HERREGAARD, SØRUPVEJ 26, 4100 RINGSTED FRA KL. 09.30",
             "Dialogmøde i Ringsted Kongrescenter den 7. april 2022"]
    assert E.unmet("hvad er adressen på sørup herregaard", venue) is None
    gap = E.unmet("hvad er adressen på ringsted kongrescenter", venue)
    assert gap is not None and gap.id == "address" and gap.then == "refused"
    assert E.unmet("hvad er mailadressen til tilmelding", venue) is None or \
        E.unmet("hvad er mailadressen til tilmelding", venue).id != "address"


def test_a_deficit_is_an_amount():
    gap = E.unmet("hvor stort var underskuddet på tilbuddene i 2016", ["Udgifterne steg med 5 procent."])
    assert gap is not None and gap.id == "amount"


@pytest.mark.parametrize("question", [
    "hvem mødtes hvornår?", "hvilke møder var der i processen", "hvad var rækkefølgen på møderne",
    "giv mig et overblik", "hvordan har processen frem mod rammeaftale 2018 været bygget op",
    "what meetings were held?", "who met when"])
def test_a_question_about_the_whole_process_asks_for_the_overview(question):
    assert E.asks_overview(question)


@pytest.mark.parametrize("question", [
    "hvad sagde brugerne om overgange?", "hvor blev mødet i solrød holdt", "hvornår var kick-off mødet?",
    "hvilke møder havde faglige sessioner på programmet"])
def test_a_question_about_one_thing_is_no_overview(question):
    assert not E.asks_overview(question)


def test_a_passage_naming_the_dates_of_meetings_is_found_by_day_or_by_month_and_year():
    from assistant.query import dates_named
    labels = {"kickoff": "25. november 2016", "users": "18. januar 2017", "pros": "17. marts 2017",
              "later": "7. april 2022", "process": "2016-2017"}
    summary = ("Der har været afholdt Kick-Off møde for udvalgsmedlemmer i november \n2016, i januar 2017 var "
               "repræsentanter for brugerne samlet og fagpersoner fra kommunerne var samlet i marts 2017.")
    assert dates_named(summary, labels) == {"kickoff", "users", "pros"}
    assert dates_named("Program for kick-off møde fredag den 25. november", labels) == {"kickoff"}
    assert dates_named("2016-2017: proces for fornyet politisk grundlag", labels) == set()


def test_a_long_passage_is_quoted_by_the_paragraph_that_answers_not_only_its_first():
    from assistant.answer import quote
    text = "\n".join(["Indledning:", "KKR Sjælland besluttede sidste år et nyt fokusområde. " * 4,
                      "Der har været afholdt kick-off møde i november 2016 og et møde i januar 2017.",
                      "Brugerinddragelse blev drøftet som forskellige former for inddragelse. " * 4,
                      "Endelig var der drøftelser af rammeaftalens udformning. " * 4])
    shown = quote(text, "hvornår var møderne november 2016 januar 2017", chars=150)
    assert shown.startswith("Indledning: · … · Der har været afholdt kick-off møde")
    assert shown.endswith("mere i kilden)")
    # a list whose first items fit and answer keeps its order and its first items
    programme = "\n".join(["Program:", "9.00 Velkomst", "9.30 Oplæg om overgange", "10.00 Pause"])
    assert quote(programme, "overgange", chars=150) == "Program: · 9.00 Velkomst · 9.30 Oplæg om overgange · 10.00 Pause"


@pytest.mark.parametrize("question, kind", [
    ("hvad tjener en forstander på et botilbud", "amount"),
    ("hvor stort er region sjællands budget til psykiatrien", "amount"),
    ("hvem tog referat ved bordene", "person"),
    ("hvem skulle sidde i rådgivningspanelet", "person"),
    ("hvem sad i det politiske panel på kick-off", "person"),
    ("hvilket år blev de første rammeaftaler indført", "when"),
])
def test_a_wage_a_budget_a_note_taker_or_a_year_needs_one_in_the_passage(question, kind):
    gap = E.unmet(question, ["Bordene drøftede rammeaftalerne og tilbuddene i regionen."])
    assert gap is not None and gap.id == kind


@pytest.mark.parametrize("question, asks", [
    ("hvad kom der ud af kick-off mødet", True), ("hvad blev resultatet af processen", True),
    ("what came out of the process?", True), ("hvad endte det med", True),
    ("hvad stod der på programmet kl 10", False), ("hvem holdt oplæg i solrød", False)])
def test_a_question_for_what_came_out_is_recognised(question, asks):
    assert E.asks_results(question) is asks


def test_a_write_up_is_known_by_its_heading():
    assert E.summary_heading("Kick-off møde 25. november 2016: opsamling af drøftelserne ved bordene")
    assert not E.summary_heading("Kick-off møde 25. november 2016: program")
    assert E.planned_kinds() == {"programme", "programme_item"}


def test_who_else_sat_in_a_body_asks_for_names():
    gap = E.unmet("hvem sad ellers i styregruppen i 2022", ["Styregruppen mødtes fire gange om året."])
    assert gap is not None and gap.then == "refused"


def test_who_wrote_a_document_asks_for_a_name():
    gap = E.unmet("hvem skrev opsamlingen fra mødet i solrød",
                  ["Mødet blev afholdt på Solrød Rådhus og der var ca. 26 deltagere."])
    assert gap is not None and gap.then == "refused" and "navnet" in gap.reason
    assert E.unmet("hvem skrev invitationen", ["Med venlig hilsen – Thomas Knudsen, Styregruppeformand"]) is None


def test_a_question_for_the_names_of_institutions_needs_a_name_beside_them():
    question = "hvilke psykiatriske afdelinger nævnte brugerne ved overgangene"
    gap = E.unmet(question, ["Overgangen fra sygehus til kommune skal styrkes, også fra psykiatriske afdelinger."])
    assert gap is not None and gap.id == "named" and gap.then == "unsure"
    # a name beside them answers; the region and KKR, named on every other page, do not
    assert E.unmet(question, ["Brugerne nævnte afdelinger som Psykiatrisk Center Roskilde."]) is None
    assert E.unmet("hvilke private udbydere blev nævnt", ["private udbydere i Region Sjælland og KKR"]).id == "named"
    assert E.unmet("which research institutions did table 4 mention",
                   ["Samarbejde med institutions such as VIVE and KORA"]) is None
    assert "named" not in [t.id for t in E.expected("hvilke tilbud skal være fælles?")]


def test_the_invitation_says_what_was_planned_not_what_came_out():
    assert E.planned("statement", "Politikertemamøde 7. april 2017: invitation og program – Den politiske temadags udbytte")
    assert E.planned("programme_item", "Kick-off møde 25. november 2016: program")
    assert not E.planned("table", "Politikertemamøde 7. april 2017: prioriterede fokuspunkter ved bordene")
