"""Word knowledge without the model: lemmas, compounds against a corpus vocabulary, ordinary
words versus names, claim questions, follow-ups."""
from __future__ import annotations

import pytest

from assistant.claims import claim_of, states
from assistant.lexicon import Vocabulary, capitalised_words
from assistant.query import is_followup, rewrite_followup

TEXTS = ["De fire fokusområder er samarbejde, styring og brugerinddragelse.",
         "Konkurrenceudsættelse af opgaverne er ikke vejen frem.",
         "Der var ca. 26 deltagere på mødet i Solrød.",
         "Brugerrepræsentanterne ønskede at blive inddraget tidligt."]
VOICES = {"users": ["brugerne", "brugere"], "professionals": ["fagpersonerne", "fagpersoner"]}
MEETINGS = {"dialogforum_2017": ["solrød", "januar 2017"], "fagpersoner_2017": ["marts 2017", "fagpersonerne"]}


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary(TEXTS)


def test_a_compound_is_split_against_the_corpus(vocab):
    assert "fokusområder" in vocab.parts("hovedfokusområder")
    assert vocab.status("hovedfokusområder", False, 3.5) == "known"


def test_inflected_forms_are_known_by_their_lemma(vocab):
    assert vocab.known("brugerrepræsentant")  # the corpus has only "brugerrepræsentanterne"
    assert vocab.status("deltager", False, 3.5) == "known"


def test_an_everyday_word_the_corpus_lacks_is_ordinary_not_a_reason_to_refuse(vocab):
    assert vocab.status("mennesker", False, 3.5) == "ordinary"
    assert vocab.status("firmaer", False, 3.5) == "ordinary"


def test_a_dictionary_word_wordfreq_finds_rare_is_ordinary_not_a_reason_to_refuse(vocab):
    # "mindre papirnusseri i aftalen", "var embedsfolkene med": Danish words the documents phrase
    # otherwise, however rarely they are written
    for word in ("papirnusseri", "embedsfolkene", "bureaukratisk", "udstikke"):
        assert vocab.status(word, False, 3.5) == "ordinary", word


def test_a_proper_noun_and_a_count_written_into_a_word_stay_specific(vocab):
    # simplemma knows "gladsaxe" as the name «Gladsaxe»; "toårige" is a number, like "2"
    assert vocab.status("gladsaxe", False, 3.5) == "specific"
    assert vocab.status("albertslund", False, 3.5) == "specific"
    assert vocab.status("toårige", False, 3.5) == "specific"
    assert vocab.status("femdages", False, 3.5) == "specific"
    assert vocab.status("totalt", False, 3.5) != "specific"  # "to" + letters is no count


def test_names_numbers_and_rare_words_are_specific(vocab):
    assert vocab.status("gladsaxe", True, 3.5) == "specific"   # capitalised in the question
    assert vocab.status("2019", False, 3.5) == "specific"
    assert vocab.status("xqzzyl", False, 3.5) == "specific"


def test_a_place_the_corpus_never_names_is_specific_even_in_lower_case_and_common(vocab):
    # "hvad har region syddanmark gjort …": Zipf 4.3, yet another region, not a word phrased otherwise
    assert vocab.status("syddanmark", False, 3.5) == "specific"
    assert vocab.status("holbæks", False, 3.5) == "specific"  # the genitive of a municipality
    # a place the corpus names is matched as usual
    assert vocab.status("solrød", False, 3.5) == "known"


def test_capitalised_words_skip_the_first_word():
    assert capitalised_words("Hvad står der i HR-Strategi for Gladsaxe Kommune?") >= {"gladsaxe", "kommune"}
    assert "hvad" not in capitalised_words("Hvad står der i HR-Strategi for Gladsaxe Kommune?")


@pytest.mark.parametrize("question,claim", [
    ("står det nogen steder, at ventelisterne er for lange?", "ventelisterne er for lange"),
    ("står der at vi sagde at ventelisterne er for lange?", "ventelisterne er for lange"),
    ("blev det skrevet ned, at brugerne vil inddrages?", "brugerne vil inddrages"),
    ("sagde vi, at konkurrenceudsættelse ikke er vejen frem?", "konkurrenceudsættelse ikke er vejen frem"),
    ("er det noteret, at der var 26 deltagere?", "der var 26 deltagere"),
    ("Is it written anywhere that users want to be involved?", "users want to be involved"),
    ("står der noget om fælles ventelister?", "fælles ventelister"),
    ("er der noget i materialet om, at brugerne vil inddrages?", "brugerne vil inddrages"),
    # where or when it was said stands between the question and its claim
    ("står der i temaoplægget at de anbefaler mulighed 5?", "de anbefaler mulighed 5"),
    ("sagde politikerne på kick-off at man skulle flytte penge?", "man skulle flytte penge"),
    ("blev det skrevet ned på mødet i solrød, at brugerne vil inddrages?", "brugerne vil inddrages"),
    # a yes/no question about who said it, or about a number
    ("var det fagfolkene der ville have en udligningsordning?", "fagfolkene der ville have en udligningsordning"),
    ("var der omkring 50 deltagere på brugermødet?", "omkring 50 deltagere på brugermødet"),
    # any group in the definite plural, more verbs of saying, "komme ind på"
    ("mente fagfolkene at socialpsykiatrien ikke hører til", "socialpsykiatrien ikke hører til"),
    ("sagde handicaprådene at borgerne skal inddrages", "borgerne skal inddrages"),
    ("syntes brugerne at scenarierne var svære", "scenarierne var svære"),
    ("sagde brugerne noget om at psykisk syge bliver tabt", "psykisk syge bliver tabt"),
    ("kom nogen ind på ensomhed blandt beboerne", "ensomhed blandt beboerne"),
    ("kom politikerne ind på at bruge skærmmøder", "bruge skærmmøder"),
    # a date the meeting was held on; the question first and "står det …?" after it
    ("blev kick off mødet holdt 25 oktober 2016", "kick off mødet holdt 25 oktober 2016"),
    ("får døve en tolk med til mødet, står det i invitationen?", "får døve en tolk med til mødet"),
    ("brugerne ville inddrages tidligt, er det noteret?", "brugerne ville inddrages tidligt"),
])
def test_claim_questions_are_recognised(question, claim):
    assert claim_of(question) == claim


@pytest.mark.parametrize("question", ["hvad sagde brugerne om overgange?",
                                      "hvad sagde de på mødet i marts om at samarbejde?",
                                      "hvem var med til mødet i solrød", "hvad står der om overgange?",
                                      "hvad mente fagfolkene om styring", "sagde politikerne noget om de private firmaer",
                                      "hvorfor mente fagpersonerne at det var svært",
                                      "var der nogen der ville bruge videomøder", "hvad var det der skete i solrød",
                                      "hvad stod der på plakaterne til kick off", "og det med takster, hvad stod der",
                                      "papkortene, hvad stod der på dem", "hvornår blev mødet holdt?"])
def test_other_questions_are_no_claims(question):
    assert claim_of(question) is None


def test_a_negated_claim_needs_a_negated_passage():
    assert not states("konkurrence er ikke vejen frem", "Konkurrence er vejen frem", 1.0, 0.9, 0.7, 0.8)
    assert states("konkurrence er ikke vejen frem", "Konkurrence er ikke vejen frem", 1.0, 0.9, 0.7, 0.8)
    assert not states("x", "x", 0.5, 0.9, 0.7, 0.8)  # too little of the claim's content
    # calling it wrong says what "is not the way forward" says
    assert states("det er forkert at konkurrenceudsætte opgaverne", "Konkurrenceudsættelse er ikke vejen frem",
                  1.0, 0.9, 0.7, 0.8)
    assert not states("det er forkert at konkurrenceudsætte opgaverne", "Konkurrenceudsættelse er vejen frem",
                      1.0, 0.9, 0.7, 0.8)


@pytest.mark.parametrize("question", ["og brugerne?", "hvad kom der ud af det?", "hvad mente de om det?"])
def test_ellipsis_and_pronouns_are_follow_ups(question):
    assert is_followup(question, "hvad sagde fagpersonerne om overgange?", {"brugerne", "fagpersonerne"})


def test_a_new_question_is_no_follow_up():
    assert rewrite_followup("hvad sagde brugerne om tomme pladser?", "hvad sagde fagpersonerne om overgange?",
                            VOICES, MEETINGS) == "hvad sagde brugerne om tomme pladser?"
    assert rewrite_followup("og brugerne?", "", VOICES, MEETINGS) == "og brugerne?"


def test_a_follow_up_keeps_the_topic_and_replaces_the_voice():
    text = rewrite_followup("og brugerne?", "hvad sagde fagpersonerne om overgange?", VOICES, MEETINGS)
    assert "overgange" in text and "brugerne" in text and "fagpersonerne" not in text


def test_a_follow_up_naming_a_new_voice_keeps_the_meeting_named_after_its_participants():
    # "mødet med fagpersonerne" is the March meeting; "programmet" names the organisers' voice
    text = rewrite_followup("og hvad stod der på programmet kl 14.15?", "hvem bød velkommen på mødet med fagpersonerne?",
                            {**VOICES, "organisers": ["programmet"]}, MEETINGS)
    assert "fagpersonerne" in text and "14.15" in text


def test_a_follow_up_replaces_the_meeting():
    text = rewrite_followup("og på mødet i Solrød?", "hvad blev sagt om overgange i marts 2017?", VOICES, MEETINGS)
    assert "overgange" in text and "marts 2017" not in text


def test_a_pronoun_follow_up_keeps_voice_and_topic():
    text = rewrite_followup("hvad mente de om det?", "hvad sagde brugerne om konkurrenceudsættelse?", VOICES, MEETINGS)
    assert "brugerne" in text and "konkurrenceudsættelse" in text


@pytest.mark.parametrize("question", ["hvilken region har den model?", "hvilken kommune er han fra?",
                                      "hvilke problemer nævnte de som eksempler?"])
def test_a_question_pointing_back_with_few_words_of_its_own_is_a_follow_up(question):
    previous = "hvad går mulighed 3 i temaoplægget ud på?"
    assert is_followup(question, previous, set())
    assert rewrite_followup(question, previous, VOICES, MEETINGS).endswith("mulighed 3 i temaoplægget ud på")


def test_a_pronoun_in_a_question_with_a_topic_of_its_own_is_no_follow_up():
    assert not is_followup("hvad sagde de om tomme pladser og takster i klyngerne?", "hvem deltog i solrød?", set())


@pytest.mark.parametrize("word,danish", [("choice", "valgmuligheder"), ("ranked", "prioriteret"),
                                         ("between", "mellem"), ("worry", "bekymring"), ("relatives", "pårørende")])
def test_everyday_english_question_words_have_the_documents_danish_words(word, danish):
    from assistant.lexicon import english
    assert danish in english(word)


def test_a_time_of_day_is_one_token_and_no_table_number():
    from ingest.lexical import tokens
    assert "kl0930" in tokens("hvad skete der kl 9.30?") and "kl0930" in tokens("09.30 Velkommen og dagens program")
    assert "9" not in tokens("kl 9.30") and "kl1415" in tokens("14:15 INPUT")
    assert tokens("5.000 kr. og 2.5 procent") == tokens("5 000 kr. og 2 5 procent")  # amounts stay numbers


def test_a_year_narrows_the_meetings_a_place_names():
    from assistant.query import by_year
    years = {"politikermoede_2017": "2017", "dialogmoede_2022": "2022"}
    both = ["politikermoede_2017", "dialogmoede_2022"]
    assert by_year("hvad kom der ud af mødet i ringsted 2022", both, years) == ["dialogmoede_2022"]
    assert by_year("hvad skete der i ringsted", both, years) == both
    assert by_year("mødet i ringsted 2019", both, years) == both  # no meeting of that year: unchanged


def test_statement_units_are_the_sentences_and_lines_of_a_passage():
    from ingest.units import statement_units
    text = "Bord 6: Prioriteret fokuspunkt\n• Gennemsigtige fælles tilbud\nMulighed for faglig sparring. Det er godt."
    assert statement_units(text) == ["Bord 6: Prioriteret fokuspunkt", "Gennemsigtige fælles tilbud",
                                     "Mulighed for faglig sparring.", "Det er godt."]
    assert statement_units("Fokus\nJa tak") == []  # a heading or cell of one or two words states nothing


def test_the_shipped_word_lists_load_with_every_section():
    # a key the TOML parser rejects (a bare "skærme") would silently empty every list
    from assistant.lexicon import LEXICON_FILE
    import tomllib
    data = tomllib.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    assert {"english", "synonyms", "english_phrases", "places"} <= set(data)
    assert "civilsamfundet" in data["synonyms"]["frivillige"] and "syddanmark" in data["places"]["names"]


def test_a_word_the_corpus_has_only_as_the_start_of_a_compound_finds_that_compound():
    vocab = Vocabulary(["Der er eksempler på abonnementsordninger og underskudsgarantier.",
                        "Svarprocenten var høj, og medansvar blev nævnt."])
    assert vocab.compounds_with("underskud") == ["underskudsgarantier"]
    assert vocab.compounds_with("svar") == []  # too short: it begins too many compounds


def test_edit_distance_counts_typing_errors():
    from assistant.lexicon import edit_distance, typo_edits
    assert edit_distance("overgagne", "overgange") == 1  # two letters swapped
    assert edit_distance("politkerne", "politikerne") == 1  # a letter left out
    assert edit_distance("aflastning", "afslutning") == 3  # another word, not a typo
    assert typo_edits("kikoff") == 1 and typo_edits("konkurenceudsættelse") == 2


def test_a_compounds_head_stands_for_it_but_a_prefix_makes_another_word():
    from assistant.retrieve import compound_heads
    vocab = {"rammeaftal", "aftal", "samarbejd", "arbejd", "temaoplæg", "oplæg"}
    assert compound_heads({"rammeaftal", "temaoplæg"}, vocab) == {"aftal", "oplæg"}
    assert compound_heads({"samarbejd"}, vocab) == set()  # "samarbejde" is no "arbejde"


SELFSUFFICIENCY = "hvad var indvendingerne mod visionen om 95 procent selvforsyning?"


def test_a_particle_placing_the_question_after_the_previous_one_names_no_topic():
    # "så" and "bagefter" say "after that", not what the question is about
    question = "hvilke spørgsmål ville de så have svar på?"
    assert is_followup(question, SELFSUFFICIENCY, set())
    assert "selvforsyning" in rewrite_followup(question, SELFSUFFICIENCY, VOICES)


def test_a_pronoun_question_of_very_common_words_is_a_follow_up():
    previous = "hvad var ulemperne ved visionen om 95% selvforsyning"
    assert is_followup("var der overhovedet noget positivt ved den", previous, set())
    assert is_followup("hvilke slags tilbud tænkte de på", previous, set())
    assert not is_followup("hvad sagde brugerne om overgange og botilbud", previous, set())


def test_looked_like_is_a_verb_not_a_particle():
    # "hvordan så det ud på kick-off mødet" asks about the meeting itself
    assert not is_followup("hvordan så det ud på kick-off mødet", SELFSUFFICIENCY, set())
    assert not is_followup("hvad sagde brugerne om overgange", SELFSUFFICIENCY, set())
    assert not is_followup("hvilke spørgsmål ville de så have svar på?", "", set())


def test_a_misspelt_everyday_word_is_ordinary_not_a_name_the_corpus_lacks(vocab):
    # one edit from an everyday word: no reason to say the material lacks it
    assert vocab.status("regnigner", False, 3.0) == "ordinary"
    assert vocab.status("frivilige", False, 3.0) == "ordinary"
    # a name one edit from an everyday word at its first letter ("centimeter") stays a name
    assert vocab.status("mentimeter", False, 3.0) == "specific"
    assert vocab.status("Regnigner", True, 3.0) == "specific"


def test_a_line_lacking_something_says_it_is_not_there():
    from assistant.claims import negated
    assert negated("Tilbudsportal minus anvendelighed, gennemsigtighed.")
    assert negated("en mangel på viden om, hvilke indsatser der virker")
    assert not negated("Større gennemsigthed vil skabe mere tillid.")


def test_the_three_named_before_are_no_count_the_passage_must_give():
    from assistant.claims import facts_check
    assert facts_check("ingen af de tre fremtidsbilleder kunne bruges", "Ingen af modellerne kan bruges") == (True, False)
    # a count in digits is still checked
    assert facts_check("der var 50 deltagere", "Der var ca. 26 deltagere.")[0] is False


def test_a_word_that_is_both_a_voice_and_a_meeting_cue_leaves_the_topic_whole():
    # "papkortene" names the users and their workshop; a follow-up naming the professionals (and so
    # their meeting) cuts it once: "om videndeling" stays whole
    voices = {"users": ["brugerne", "papkortene"], "professionals": ["fagpersonerne"]}
    meetings = {"dialogforum_2017": ["papkortene"], "fagpersoner_2017": ["fagpersonerne"]}
    rewritten = rewrite_followup("og fagpersonerne?", "hvad ville brugerne ha på papkortene om videndeling",
                                 voices, meetings)
    assert rewritten.endswith("om videndeling") and "papkortene" not in rewritten


def test_everyday_words_for_the_corpus_vocabulary_point_at_the_documents_words():
    # a user writes "hospitalet" and "bosteder" where the documents write «sygehus» and «botilbud»
    from assistant.lexicon import synonyms
    assert "sygehus" in synonyms("hospitalet")
    assert "botilbud" in synonyms("bofællesskaber")
    vocab = Vocabulary(["Overgangen fra sygehus til kommune."])
    assert "sygehus" in vocab.expand("hospitalet")


def test_an_english_question_is_known_by_its_words_beyond_the_question_words():
    from assistant.query import is_english
    assert is_english("what political risks did people see in letting two municipalities run services for everyone")
    assert is_english("last day to sign up for the 2022 dialogue meeting?")
    assert not is_english("hvad sagde brugerne om overgange")
    assert not is_english("kick off hvor")


def test_a_groups_word_that_is_also_a_meetings_cue_keeps_the_previous_meeting():
    voices = {**VOICES, "politicians": ["bordene", "politikerne"]}
    meetings = {**MEETINGS, "kickoff_2016": ["kick-off"], "politikermoede_2017": ["bordene", "sørup"]}
    text = rewrite_followup("og hvad skulle bordene snakke ud fra?", "hvad skete der kl 9.30 på kick-off mødet?",
                            voices, meetings)
    assert "kick-off" in text and "9.30" in text
    # a meeting named by a word of its own still replaces the previous one
    text = rewrite_followup("og i sørup?", "hvad skete der kl 9.30 på kick-off mødet?", voices, meetings)
    assert "kick-off" not in text


def test_only_a_meetings_own_words_name_it():
    from assistant.query import own_meeting_cues
    assert own_meeting_cues(VOICES, MEETINGS) == {"dialogforum_2017": ["solrød", "januar 2017"],
                                                  "fagpersoner_2017": ["marts 2017"]}


def test_a_compound_naming_an_arrangement_of_a_thing_the_passages_hold_is_not_missing():
    from assistant.retrieve import HybridRetriever, Term
    cluster_model = Term("klyngemodellen", alts=["klyng", "model"], compound=True)
    election = Term("folketingsvalget", alts=["folketing", "valg"], compound=True)
    assert HybridRetriever._arrangement_of(cluster_model, {"klyng", "samarbejd"})
    assert not HybridRetriever._arrangement_of(cluster_model, {"samarbejd"})  # nothing of the klynge
    assert not HybridRetriever._arrangement_of(election, {"folketing"})  # an election is no arrangement


def test_a_compound_is_also_looked_up_with_and_without_its_joining_s():
    from assistant.retrieve import linking_s_variants
    assert "vidensdeling" in linking_s_variants("videndeling")
    assert "videndeling" in linking_s_variants("vidensdeling")
    assert "meningfuld" in linking_s_variants("meningsfuld")
    assert linking_s_variants("møder") == []  # short words are left alone
    assert all(len(v) == len("videndeling") + 1 for v in linking_s_variants("videndeling") if "s" in v[4:-3])


def test_a_run_of_known_slide_titles_is_made_of_their_words_a_statement_is_not():
    from ingest.dedup import made_of
    titles = {"fra", "mødet", "den", "marts", "relevante", "fokusområder", "for", "rammeaftalen", "samarbejde"}
    assert made_of("Fra mødet den 17. marts 2017: Relevante fokusområder for rammeaftalen 2018", titles)
    assert not made_of("Samarbejde om specialiserede kompetencer, ikke institutioner", titles)
    assert not made_of("2017", titles)  # nothing but a number is no run of titles
